// Block Kit on the stand-in's page: the blocks of messages, the Home tab and modals, their
// buttons, and rich text. Inputs are drawn by modals.js; clicks are sent by messages.js and home.js.
"use strict";

(() => {
  const page = window.SimPage;
  const { el, EMOJI, safeUrl, mention, special, linkTo, textObject } = page;

  function renderBlocks(blocks, ctx) {
    return el("div", { class: "blocks" }, (blocks || []).map((block) => renderBlock(block, ctx)));
  }

  function renderBlock(block, ctx) {
    const attrs = (cls) => ({ class: `block ${cls}`, "data-block-id": block.block_id });
    switch (block.type) {
      case "header":
        return el("div", attrs("block-header"), textObject(block.text));
      case "section":
        return el("div", attrs("block-section"),
          el("div", { class: "section-main" },
            block.text ? el("div", { class: "section-text" }, textObject(block.text)) : null,
            block.fields ? el("div", { class: "block-fields" },
              block.fields.map((f) => el("div", { class: "field" }, textObject(f)))) : null),
          block.accessory ? el("div", { class: "accessory" },
            renderElement(block.accessory, block, ctx)) : null);
      case "context":
        return el("div", attrs("block-context"), (block.elements || []).map((e) =>
          e.type === "image" ? imagePlaceholder(e, "context-image") : textObject(e)));
      case "divider":
        return el("hr", attrs("block-divider"));
      case "actions":
        return el("div", attrs("block-actions"),
          (block.elements || []).map((e) => renderElement(e, block, ctx)));
      case "image":
        return el("div", attrs("block-image"),
          block.title ? textObject(block.title, "image-title") : null,
          imagePlaceholder(block, "image-box"));
      case "input":
        return ctx.kind === "modal" ? page.renderInput(block, ctx)
          : el("div", attrs("block-unknown"), "[input]");
      case "rich_text":
        return el("div", attrs("block-rich-text"), (block.elements || []).map(richElement));
      default:
        return el("div", attrs("block-unknown"), `Unsupported block: ${block.type}`);
    }
  }

  // Images are never fetched: the page loads nothing from outside this server.
  function imagePlaceholder(image, cls) {
    const alt = image.alt_text || "image";
    return el("span", { class: cls, title: alt, role: "img", "aria-label": alt }, `[${alt}]`);
  }

  function renderElement(element, block, ctx) {
    if (element.type !== "button") {
      return el("span", { class: "sk-unsupported", title: "not supported by the stand-in" },
        element.placeholder?.text || element.type);
    }
    const clickable = (ctx.kind === "message" && !ctx.ephemeral) || ctx.kind === "home";
    const button = el("button", {
      type: "button",
      class: "sk-button",
      "data-action-id": element.action_id,
      "data-block-id": block.block_id,
      "data-style": element.style || "default",
      "data-confirm": element.confirm ? "true" : null,
      "aria-label": element.accessibility_label,
      disabled: !clickable,
      title: clickable ? null : "Buttons here are not supported by the stand-in",
    }, element.text?.text ?? "");
    if (!clickable) return button;
    button.addEventListener("click", () => (ctx.kind === "home"
      ? page.clickHomeButton(element, button) : page.clickButton(ctx.ts, element, button)));
    return button;
  }

  function richElement(node) {
    const inline = (items) => (items || []).map(richInline);
    switch (node.type) {
      case "rich_text_section":
        return el("div", { class: "rt-section" }, inline(node.elements));
      case "rich_text_preformatted":
        return el("pre", { class: "pre" }, inline(node.elements));
      case "rich_text_quote":
        return el("blockquote", {}, inline(node.elements));
      case "rich_text_list":
        return el(node.style === "ordered" ? "ol" : "ul", {},
          (node.elements || []).map((item) => el("li", {}, richElement(item))));
      default:
        return el("span", {}, "");
    }
  }

  function richInline(item) {
    let node;
    if (item.type === "user") node = mention(item.user_id);
    else if (item.type === "link") {
      const url = safeUrl(item.url || "");
      node = url ? linkTo(url, item.text || item.url)
        : document.createTextNode(item.text || item.url || "");
    } else if (item.type === "emoji") node = document.createTextNode(EMOJI[item.name] || `:${item.name}:`);
    else if (item.type === "channel") node = special("#" + item.channel_id);
    else node = document.createTextNode(item.text || "");
    const style = item.style || {};
    if (style.code) node = el("code", {}, node);
    if (style.bold) node = el("b", {}, node);
    if (style.italic) node = el("i", {}, node);
    if (style.strike) node = el("s", {}, node);
    return node;
  }

  Object.assign(page, { renderBlocks });
})();
