// The local Slack stand-in's page: a channel or the app's Home tab, drawn from /_sim/ui/state,
// acting through /_sim/act/*. Permalinks (/archives/<channel>/p<digits>) open it at a message.
// Everything is built with DOM calls and textContent, never innerHTML, so message text
// cannot inject markup.
"use strict";

(() => {
  const POLL_MS = 3000;
  // A message whose top is at most this far above the channel's bottom edge counts as unseen.
  const PEEK_PX = 24;
  const TOAST_MS = 7000;
  const REQUIRED = "Please complete this required field.";
  const EMOJI = {
    white_check_mark: "\u2705", heavy_check_mark: "\u2714\ufe0f", x: "\u274c",
    warning: "\u26a0\ufe0f", no_entry: "\u26d4", no_entry_sign: "\ud83d\udeab",
    hourglass: "\u231b", hourglass_flowing_sand: "\u23f3", alarm_clock: "\u23f0",
    bell: "\ud83d\udd14", tada: "\ud83c\udf89", rotating_light: "\ud83d\udea8",
    package: "\ud83d\udce6", moneybag: "\ud83d\udcb0", money_with_wings: "\ud83d\udcb8",
    eyes: "\ud83d\udc40", thumbsup: "\ud83d\udc4d", "+1": "\ud83d\udc4d",
    memo: "\ud83d\udcdd", lock: "\ud83d\udd12", information_source: "\u2139\ufe0f",
    arrows_counterclockwise: "\ud83d\udd04", truck: "\ud83d\ude9a", email: "\ud83d\udce7",
  };
  const DELIVERY_ERRORS = {
    operation_timeout: "didn't respond in time",
    dispatch_failed: "couldn't be reached",
  };
  // Why Slack sent no app_home_opened: the manifest leaves the event or the tab out.
  const HOME_REFUSALS = {
    event_not_subscribed: "does not subscribe to the app_home_opened event",
    home_tab_disabled: "has the Home tab turned off in its manifest",
  };
  const PERMALINK = /^\/archives\/([^/]+)(?:\/p(\d{7,}))?\/?$/;

  const store = {
    user: null,
    channel: null,
    home: false, // showing the app's Home tab instead of the channel
    homeNotice: null, // { text, kind } about the last opening of the Home tab
    openPending: false, // deliver app_home_opened once the user is known
    link: null, // { channel, ts, threadTs } of the permalink being shown
    linkPending: false, // scroll to the permalink's message once drawn
    place: null, // "home" or the channel id last drawn
    state: null,
    rendered: null, // "version|user|channel|home" last drawn
    modalKey: null, // "view_id|hash" of the modal on screen
    localErrors: {}, // required fields left empty, found before sending
    expanded: new Set(), // ts of threads shown open
    seenKey: null, // "user|place" whose items `seen` holds
    seen: new Set(), // ts of the channel's messages and ephemerals already drawn
    unseen: [], // ts of items that arrived below the visible part, oldest first
    fetching: false,
    again: false,
  };

  // ---- small DOM helpers ---------------------------------------------------------------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const byId = (id) => document.getElementById(id);

  function userById(id) {
    return (store.state?.users || []).find((u) => u.id === id);
  }

  function displayName(id) {
    const user = userById(id);
    return user ? user.real_name || user.name : id;
  }

  function formatTime(ts) {
    const date = new Date(parseFloat(ts) * 1000);
    return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  function formatFull(ts) {
    return new Date(parseFloat(ts) * 1000).toLocaleString();
  }

  // ---- mrkdwn -----------------------------------------------------------------------------

  const INLINE = new RegExp(
    [
      "```([\\s\\S]+?)```", // 1 preformatted
      "`([^`\\n]+?)`", // 2 code
      "<([^<>\\n]+)>", // 3 link, mention, special
      "(?<![\\w*])\\*(?=\\S)([^*\\n]*?\\S)\\*(?![\\w*])", // 4 bold
      "(?<![\\w_])_(?=\\S)([^_\\n]*?\\S)_(?![\\w_])", // 5 italic
      "(?<![\\w~])~(?=\\S)([^~\\n]*?\\S)~(?![\\w~])", // 6 strike
      ":([a-z0-9_+\\-]+):", // 7 emoji
    ].join("|"),
    "g",
  );

  function unescapeSlack(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : null;
  }

  function mention(id) {
    const me = id === store.user;
    return el("span", { class: me ? "mention mention-me" : "mention", "data-user-id": id },
      "@" + displayName(id));
  }

  function special(inner) {
    const [target, label] = splitLabel(inner);
    if (target.startsWith("@")) return mention(target.slice(1));
    if (target.startsWith("#")) {
      const channel = (store.state?.channels || []).find((c) => c.id === target.slice(1));
      return el("span", { class: "mention channel-mention" },
        "#" + (label || channel?.name || target.slice(1)));
    }
    if (target.startsWith("!date^")) {
      return el("span", { class: "date" }, unescapeSlack(slackDate(target, label)));
    }
    if (target.startsWith("!")) {
      const word = target.slice(1).split("^")[0];
      const text = label || (["here", "channel", "everyone"].includes(word) ? "@" + word : word);
      return el("span", { class: "mention" }, unescapeSlack(text));
    }
    // Anything else that is not a link was sent unescaped: show it as the characters it is.
    if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) return document.createTextNode(`<${unescapeSlack(inner)}>`);
    const url = safeUrl(unescapeSlack(target));
    const text = unescapeSlack(label || target);
    if (!url) return document.createTextNode(text);
    return linkTo(url, text);
  }

  // A permalink into this workspace opens here, as Slack's client opens its own links.
  function linkTo(url, text) {
    const link = parsePermalink(url);
    if (!link) return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text);
    return el("a", {
      href: url, class: "permalink",
      onclick: (event) => { event.preventDefault(); followLink(link); },
    }, text);
  }

  function parsePermalink(href) {
    let url;
    try { url = new URL(href, window.location.href); } catch (err) { return null; }
    const match = url.origin === window.location.origin && url.pathname.match(PERMALINK);
    if (!match) return null;
    const digits = match[2];
    const ts = digits ? `${digits.slice(0, -6)}.${digits.slice(-6)}` : null;
    return { channel: match[1], ts, threadTs: url.searchParams.get("thread_ts") };
  }

  function followLink(link) {
    if (link.threadTs && link.threadTs !== link.ts) store.expanded.add(link.threadTs);
    store.link = link.ts ? link : null;
    store.linkPending = Boolean(link.ts);
    switchTo({ channel: link.channel, home: false });
  }

  function splitLabel(inner) {
    const bar = inner.indexOf("|");
    return bar < 0 ? [inner, ""] : [inner.slice(0, bar), inner.slice(bar + 1)];
  }

  function mrkdwn(text) {
    const source = String(text ?? "");
    const out = document.createDocumentFragment();
    let last = 0;
    for (const m of source.matchAll(INLINE)) {
      if (m[7] !== undefined && !EMOJI[m[7]]) continue; // unknown :word: stays text
      out.append(unescapeSlack(source.slice(last, m.index)));
      last = m.index + m[0].length;
      if (m[1] !== undefined) out.append(el("pre", { class: "pre" }, unescapeSlack(m[1])));
      else if (m[2] !== undefined) out.append(el("code", {}, unescapeSlack(m[2])));
      else if (m[3] !== undefined) out.append(special(m[3]));
      else if (m[4] !== undefined) out.append(el("b", {}, mrkdwn(m[4])));
      else if (m[5] !== undefined) out.append(el("i", {}, mrkdwn(m[5])));
      else if (m[6] !== undefined) out.append(el("s", {}, mrkdwn(m[6])));
      else out.append(el("span", { class: "emoji", title: `:${m[7]}:` }, EMOJI[m[7]]));
    }
    out.append(unescapeSlack(source.slice(last)));
    return out;
  }

  function textObject(obj, cls) {
    if (!obj) return el("span", { class: cls });
    if (obj.type === "mrkdwn") return el("span", { class: `mrkdwn ${cls || ""}` }, mrkdwn(obj.text));
    return el("span", { class: `plain ${cls || ""}` }, obj.text ?? "");
  }

  // ---- Block Kit --------------------------------------------------------------------------

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
        return ctx.kind === "modal" ? renderInput(block, ctx)
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
      ? clickHomeButton(element, button) : clickButton(ctx.ts, element, button)));
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

  // ---- messages ---------------------------------------------------------------------------

  function avatar(name, isBot) {
    const initial = (name || "?").trim().charAt(0).toUpperCase();
    return el("div", { class: isBot ? "avatar avatar-bot" : "avatar", "aria-hidden": "true" }, initial);
  }

  function author(message) {
    const botName = store.state?.bot?.name || "bot";
    if (message.bot_id || message.user === store.state?.bot?.id) return { name: botName, bot: true };
    return { name: displayName(message.user), bot: false };
  }

  function renderMessage(message, opts) {
    const who = author(message);
    const ctx = { kind: "message", ts: message.ts, ephemeral: opts.ephemeral };
    const content = message.blocks?.length ? renderBlocks(message.blocks, ctx)
      : el("div", { class: "message-text mrkdwn" }, mrkdwn(message.text));
    const classes = ["message"];
    if (opts.ephemeral) classes.push("ephemeral");
    if (opts.reply) classes.push("reply");
    const linked = !opts.ephemeral && isLinked(message.ts);
    if (linked) classes.push("linked");
    return el("div", {
      class: classes.join(" "),
      "data-ts": message.ts,
      "data-kind": opts.ephemeral ? "ephemeral" : opts.reply ? "reply" : "message",
      "data-linked": linked ? "true" : null,
    },
    avatar(who.name, who.bot),
    el("div", { class: "message-body" },
      opts.ephemeral ? el("div", { class: "ephemeral-note" }, "Only visible to you") : null,
      el("div", { class: "message-meta" },
        el("span", { class: "author" }, who.name),
        who.bot ? el("span", { class: "app-tag" }, "APP") : null,
        el("time", { class: "time", datetime: message.ts, title: formatFull(message.ts) },
          formatTime(message.ts)),
        message.edited ? el("span", { class: "edited", title: formatFull(message.edited.ts) },
          "(edited)") : null),
      el("div", { class: "message-content" }, content),
      opts.reply ? null : renderThread(message)));
  }

  function renderThread(message) {
    const replies = message.replies || [];
    if (!replies.length) return null;
    const open = store.expanded.has(message.ts);
    const label = replies.length === 1 ? "1 reply" : `${replies.length} replies`;
    const toggle = el("button", {
      type: "button", class: "thread-toggle", "aria-expanded": open ? "true" : "false",
      onclick: () => {
        if (store.expanded.has(message.ts)) store.expanded.delete(message.ts);
        else store.expanded.add(message.ts);
        drawMessages(true);
      },
    },
    el("span", { class: "thread-count" }, label),
    el("span", { class: "thread-last" },
      open ? "Hide thread" : `Last reply ${formatTime(replies[replies.length - 1].ts)}`));
    return el("div", { class: "thread", "data-thread-ts": message.ts },
      toggle,
      open ? el("div", { class: "thread-replies" },
        replies.map((r) => renderMessage(r, { reply: true }))) : null);
  }

  function isLinked(ts) {
    return Boolean(store.link && store.link.channel === store.state?.channel && store.link.ts === ts);
  }

  function scrollToLink() {
    if (!store.linkPending || store.home || !store.link) return;
    if (store.link.channel !== store.state.channel) return;
    store.linkPending = false;
    const target = document.querySelector(`#message-list .message[data-linked="true"]`);
    if (target) target.scrollIntoView({ block: "center" });
    else toast("That message is not in this channel any more");
  }

  function drawMessages(keepScroll) {
    const state = store.state;
    const scroller = byId("messages");
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    const previousTop = scroller.scrollTop;
    const items = [
      ...state.messages.map((m) => ({ ts: m.ts, node: () => renderMessage(m, {}) })),
      ...state.ephemerals.map((m) => ({ ts: m.ts, node: () => renderMessage(m, { ephemeral: true }) })),
    ].sort((a, b) => parseFloat(a.ts) - parseFloat(b.ts));
    byId("message-list").replaceChildren(...items.map((item) => item.node()));
    scroller.scrollTop = atBottom && !keepScroll ? scroller.scrollHeight : previousTop;
    noteArrivals(items.map((item) => item.ts));
  }

  // ---- "new messages" cue ---------------------------------------------------------------
  // As in Slack: something that arrives below the visible part of the channel (such as the
  // answer to a click on a card higher up) shows a cue; clicking it scrolls there.

  function noteArrivals(drawn) {
    const key = `${store.state.user}|${store.place}`;
    const fresh = store.seenKey === key ? drawn.filter((ts) => !store.seen.has(ts)) : [];
    store.seenKey = key;
    store.seen = new Set(drawn);
    const kept = store.unseen.filter((ts) => store.seen.has(ts));
    // On the Home tab the channel is hidden: nothing there is unseen "below".
    store.unseen = store.home ? [] : [...kept, ...fresh].filter(isBelowView);
    drawCue();
  }

  function drawnItem(ts) {
    return document.querySelector(`#message-list > .message[data-ts="${ts}"]`);
  }

  function isBelowView(ts) {
    const node = drawnItem(ts);
    const bottom = byId("messages").getBoundingClientRect().bottom;
    return Boolean(node) && node.getBoundingClientRect().top > bottom - PEEK_PX;
  }

  function drawCue() {
    const cue = byId("new-messages");
    const count = store.unseen.length;
    cue.hidden = store.home || count === 0;
    cue.textContent = `\u2193 ${count === 1 ? "1 new message" : `${count} new messages`}`;
  }

  function showUnseen() {
    // The first one at the top, so what came after it follows in reading order.
    drawnItem(store.unseen[0])?.scrollIntoView({ block: "start" });
    dropNowVisible();
  }

  function dropNowVisible() {
    if (!store.unseen.length) return;
    store.unseen = store.unseen.filter(isBelowView);
    drawCue();
  }

  // ---- chrome: sidebar, top bar, intro --------------------------------------------------

  function channelName() {
    return (store.state.channels.find((c) => c.id === store.state.channel) || {}).name || "";
  }

  function drawChrome() {
    const state = store.state;
    const botName = state.bot.name;
    byId("workspace-name").textContent = state.team.name;
    document.title = store.home ? `${botName} · Home · ${state.team.name}`
      : `#${channelName()} · ${state.team.name}`;
    byId("channel-list").replaceChildren(...state.channels.map((c) => {
      const active = !store.home && c.id === state.channel;
      return el("li", {},
        el("a", {
          href: "#", class: active ? "channel-link active" : "channel-link",
          "data-channel-id": c.id, "aria-current": active ? "page" : null,
          onclick: (event) => { event.preventDefault(); switchTo({ channel: c.id, home: false }); },
        }, el("span", { class: "hash" }, "#"), c.name));
    }));
    byId("app-list").replaceChildren(el("li", {},
      el("a", {
        href: "#", class: store.home ? "channel-link home-link active" : "channel-link home-link",
        "data-home": "true", "aria-current": store.home ? "page" : null,
        onclick: (event) => { event.preventDefault(); openHomeTab(); },
      }, el("span", { class: "app-icon", "aria-hidden": "true" }, botName.charAt(0).toUpperCase()),
      el("span", { class: "app-name" }, botName),
      el("span", { class: "app-tab" }, "Home"))));
    byId("channel-title").textContent = store.home ? botName : `# ${channelName()}`;
    byId("channel-intro").replaceChildren(
      el("div", { class: "intro-title" }, `# ${channelName()}`),
      el("div", { class: "intro-text" },
        `This is the very beginning of the #${channelName()} channel. `
        + "Pick who you are above; buttons, modals and slash commands act as that person."));
    byId("composer-input").placeholder = `Message #${channelName()} (slash commands only)`;
    drawSwitcher();
  }

  function drawSwitcher() {
    const select = byId("user-switcher");
    const people = store.state.users.filter((u) => !u.is_bot);
    const key = people.map((u) => `${u.id}:${u.real_name}:${u.title}`).join("|");
    if (select.dataset.key !== key) {
      select.replaceChildren(...people.map((u) => el("option", { value: u.id },
        u.title ? `${u.real_name} (${u.title})` : u.real_name)));
      select.dataset.key = key;
    }
    select.value = store.state.user;
  }

  // ---- Home tab ---------------------------------------------------------------------------

  function drawHome() {
    const shown = store.home;
    byId("messages").hidden = shown;
    byId("composer-area").hidden = shown;
    byId("home").hidden = !shown;
    if (!shown) return;
    const { enabled, view } = store.state.home;
    const botName = store.state.bot.name;
    const notice = byId("home-notice");
    notice.textContent = store.homeNotice?.text || "";
    if (store.homeNotice?.kind) notice.dataset.kind = store.homeNotice.kind;
    else delete notice.dataset.kind;
    const content = byId("home-content");
    if (view && enabled) {
      content.replaceChildren(el("div", { class: "home-view", "data-view-id": view.id },
        renderBlocks(view.blocks, { kind: "home", viewId: view.id })));
    } else {
      const why = enabled ? `${botName} has not published a Home tab for you yet.`
        : `${botName} has the Home tab turned off in its manifest.`;
      content.replaceChildren(el("div", { class: "home-empty" }, why));
    }
  }

  function openHomeTab() {
    switchTo({ home: true });
  }

  // Slack sends app_home_opened each time someone opens the tab; the app answers (or not)
  // with views.publish, which arrives here as a workspace change.
  async function openHome() {
    const user = store.user;
    setHomeNotice("Opening\u2026", "info");
    const result = await post("/_sim/act/home", { user, tab: "home" });
    if (store.user !== user || !store.home) return; // moved on meanwhile
    const bot = store.state?.bot?.name || "The app";
    if (!result.ok) setHomeNotice(result.error, "error");
    else if (HOME_REFUSALS[result.data.error]) {
      setHomeNotice(`${bot} ${HOME_REFUSALS[result.data.error]} (${result.data.error})`, "error");
    } else if (result.data.error) setHomeNotice(failure(result.data.error), "error");
    else setHomeNotice(null);
  }

  function setHomeNotice(text, kind) {
    store.homeNotice = text ? { text, kind } : null;
    if (store.state && store.home) drawHome();
  }

  async function clickHomeButton(element, button) {
    if (element.confirm && !(await confirmDialog(element.confirm))) return;
    button.disabled = true;
    button.classList.add("busy");
    const result = await post("/_sim/act/click_home", {
      user: store.user, action_id: element.action_id, value: element.value ?? null, confirm: true,
    });
    button.disabled = false;
    button.classList.remove("busy");
    if (!result.ok) toast(result.error);
    else if (result.data.error) toast(failure(result.data.error));
    refresh();
  }

  // ---- modal ------------------------------------------------------------------------------

  function renderInput(block, ctx) {
    const element = block.element || {};
    const id = `input-${ctx.viewId}-${block.block_id}`;
    const known = ["plain_text_input", "email_text_input", "url_text_input", "number_input"];
    let control;
    if (!known.includes(element.type)) {
      control = el("span", { class: "sk-unsupported" }, `${element.type} (not supported)`);
    } else {
      const attrs = {
        id, class: "input-control", "data-block-id": block.block_id,
        "data-action-id": element.action_id, placeholder: element.placeholder?.text,
        maxlength: element.max_length, "data-optional": block.optional ? "true" : null,
      };
      control = element.multiline ? el("textarea", { ...attrs, rows: 4 })
        : el("input", { ...attrs, type: element.type === "number_input" ? "number" : "text" });
      control.value = element.initial_value ?? "";
    }
    return el("div", { class: "block block-input", "data-block-id": block.block_id },
      el("label", { class: "input-label", for: id }, block.label?.text ?? "",
        block.optional ? el("span", { class: "optional" }, " (optional)") : null),
      control,
      block.hint ? el("div", { class: "input-hint" }, block.hint.text) : null,
      el("div", { class: "input-error", role: "alert", "data-block-id": block.block_id }));
  }

  function drawModal() {
    const root = byId("modal-root");
    const views = store.state.views || [];
    const view = views[views.length - 1];
    if (!view) {
      root.replaceChildren();
      store.modalKey = null;
      return;
    }
    const key = `${view.id}|${view.hash}`;
    if (store.modalKey !== key) {
      store.modalKey = key;
      store.localErrors = {};
      root.replaceChildren(buildModal(view, views.length > 1));
      root.querySelector(".input-control")?.focus();
    }
    showFieldErrors({ ...(view.errors || {}), ...store.localErrors });
  }

  function buildModal(view, pushed) {
    const ctx = { kind: "modal", viewId: view.id };
    const closeLabel = view.close?.text || "Cancel";
    return el("div", { class: "modal-backdrop" },
      el("div", {
        class: "modal", role: "dialog", "aria-modal": "true", "data-view-id": view.id,
        "data-callback-id": view.callback_id, "aria-labelledby": "modal-title",
      },
      el("div", { class: "modal-header" },
        pushed ? el("button", { type: "button", class: "modal-back", "aria-label": "Back",
          onclick: () => closeModal(view) }, "\u2190") : null,
        el("h2", { id: "modal-title", class: "modal-title" }, view.title?.text ?? ""),
        el("button", { type: "button", class: "modal-x", "aria-label": "Close",
          onclick: () => closeModal(view) }, "\u00d7")),
      el("div", { class: "modal-body" }, renderBlocks(view.blocks, ctx)),
      el("div", { class: "modal-error", role: "alert" }),
      el("div", { class: "modal-footer" },
        el("button", { type: "button", class: "modal-close", onclick: () => closeModal(view) },
          closeLabel),
        view.submit ? el("button", { type: "button", class: "modal-submit",
          onclick: (event) => submitModal(view, event.currentTarget) }, view.submit.text) : null)));
  }

  function showFieldErrors(errors) {
    for (const box of document.querySelectorAll("#modal-root .input-error")) {
      const message = errors[box.dataset.blockId] || "";
      box.textContent = message;
      box.closest(".block-input").classList.toggle("has-error", Boolean(message));
    }
  }

  function modalValues() {
    const values = {};
    const missing = {};
    for (const input of document.querySelectorAll("#modal-root .input-control")) {
      const { blockId, actionId } = input.dataset;
      (values[blockId] ||= {})[actionId] = input.value;
      if (!input.value && input.dataset.optional !== "true") missing[blockId] = REQUIRED;
    }
    return { values, missing };
  }

  async function submitModal(view, button) {
    const { values, missing } = modalValues();
    store.localErrors = missing;
    showFieldErrors(missing);
    document.querySelector("#modal-root .modal-error").textContent = "";
    if (Object.keys(missing).length) return; // Slack's client checks required inputs itself
    button.disabled = true;
    const result = await post("/_sim/act/submit", { user: store.user, view_id: view.id, values });
    button.disabled = false;
    if (!result.ok) {
      document.querySelector("#modal-root .modal-error").textContent = result.error;
    } else if (Object.keys(result.data.errors || {}).length) {
      showFieldErrors(result.data.errors);
    } else if (result.data.error) {
      document.querySelector("#modal-root .modal-error").textContent =
        `We had some trouble connecting: ${failure(result.data.error)}. Try again?`;
    }
    refresh();
  }

  async function closeModal(view) {
    const result = await post("/_sim/act/close", { user: store.user, view_id: view.id });
    if (!result.ok) toast(result.error);
    refresh();
  }

  // ---- confirm dialog ---------------------------------------------------------------------

  function confirmDialog(confirm) {
    return new Promise((resolve) => {
      const root = byId("confirm-root");
      const finish = (answer) => {
        root.replaceChildren();
        document.removeEventListener("keydown", onKey, true);
        resolve(answer);
      };
      const onKey = (event) => {
        if (event.key === "Escape") { event.stopPropagation(); finish(false); }
      };
      const ok = el("button", { type: "button", class: "confirm-ok",
        "data-style": confirm.style || "primary", onclick: () => finish(true) },
      confirm.confirm?.text || "Yes");
      root.replaceChildren(el("div", { class: "confirm-backdrop" },
        el("div", { class: "confirm-dialog", role: "alertdialog", "aria-modal": "true",
          "aria-labelledby": "confirm-title" },
        el("h2", { id: "confirm-title", class: "confirm-title" },
          confirm.title?.text || "Are you sure?"),
        el("div", { class: "confirm-text" }, textObject(confirm.text)),
        el("div", { class: "confirm-actions" },
          el("button", { type: "button", class: "confirm-deny", onclick: () => finish(false) },
            confirm.deny?.text || "Cancel"),
          ok))));
      document.addEventListener("keydown", onKey, true);
      ok.focus();
    });
  }

  // ---- actions ----------------------------------------------------------------------------

  async function post(path, body) {
    try {
      const response = await fetch(path, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const data = await response.json();
      return response.ok ? { ok: true, data } : { ok: false, error: data.error || response.statusText };
    } catch (err) {
      return { ok: false, error: `the stand-in is unreachable (${err.message})` };
    }
  }

  function failure(code) {
    const bot = store.state?.bot?.name || "the app";
    return DELIVERY_ERRORS[code] ? `${bot} ${DELIVERY_ERRORS[code]} (${code})` : code;
  }

  async function clickButton(ts, element, button) {
    // Cancelling a confirm dialog sends nothing, as in Slack's own client.
    if (element.confirm && !(await confirmDialog(element.confirm))) return;
    button.disabled = true;
    button.classList.add("busy");
    const result = await post("/_sim/act/click", {
      user: store.user, channel: store.channel, ts, action_id: element.action_id, confirm: true,
    });
    button.disabled = false;
    button.classList.remove("busy");
    if (!result.ok) toast(result.error);
    else if (result.data.error) toast(failure(result.data.error));
    refresh();
  }

  async function sendComposer(event) {
    event.preventDefault();
    const input = byId("composer-input");
    const notice = byId("composer-notice");
    const text = input.value.trim();
    if (!text) return;
    if (!text.startsWith("/")) {
      notice.textContent = "Only slash commands are supported here";
      notice.dataset.kind = "error";
      return;
    }
    const match = text.match(/^(\S+)\s*([\s\S]*)$/);
    notice.textContent = `Sending ${match[1]}\u2026`;
    notice.dataset.kind = "info";
    const result = await post("/_sim/act/slash", {
      user: store.user, channel: store.channel, command: match[1], text: match[2],
    });
    if (!result.ok) {
      notice.textContent = result.error;
      notice.dataset.kind = "error";
    } else if (result.data.error === "not_a_valid_command") {
      notice.textContent = `${match[1]} is not a valid command.`;
      notice.dataset.kind = "error";
    } else if (result.data.error) {
      notice.textContent = `${match[1]} failed: ${failure(result.data.error)}`;
      notice.dataset.kind = "error";
    } else {
      input.value = "";
      notice.textContent = "";
      delete notice.dataset.kind;
    }
    refresh();
  }

  function toast(message) {
    const item = el("div", { class: "toast" }, message);
    byId("toasts").append(item);
    setTimeout(() => item.remove(), TOAST_MS);
  }

  // ---- state and live updates -------------------------------------------------------------

  async function refresh() {
    if (store.fetching) { store.again = true; return; }
    store.fetching = true;
    try {
      do {
        store.again = false;
        const asked = { user: store.user, channel: store.channel };
        const query = new URLSearchParams();
        if (asked.user) query.set("user", asked.user);
        if (asked.channel) query.set("channel", asked.channel);
        const response = await fetch(`/_sim/ui/state?${query}`, { cache: "no-store" });
        const data = await response.json();
        // Someone switched person or channel while this was on its way: drawing it would
        // undo the switch; the loop asks again for what is wanted now.
        if (store.again && (store.user !== asked.user || store.channel !== asked.channel)) continue;
        if (!response.ok) {
          // A user or channel that no longer exists (after a reseed): fall back to the default
          // channel first, keeping the person, then to the default person too.
          if (store.channel) { store.channel = null; store.again = true; }
          else if (store.user) { store.user = null; store.again = true; }
          else toast(data.error || "cannot load the workspace");
          continue;
        }
        draw(data);
      } while (store.again);
    } catch (err) {
      setStatus("offline");
    } finally {
      store.fetching = false;
    }
  }

  function draw(data) {
    const key = `${data.version}|${data.user}|${data.channel}|${store.home}`;
    if (key === store.rendered) return;
    const place = store.home ? "home" : data.channel;
    const moved = store.state && (store.state.user !== data.user || store.place !== place);
    store.state = data;
    store.user = data.user;
    store.channel = data.channel;
    store.place = place;
    store.rendered = key;
    remember();
    drawChrome();
    drawMessages(false);
    drawHome();
    drawModal();
    if (moved) byId("messages").scrollTop = byId("messages").scrollHeight;
    scrollToLink();
    document.body.dataset.version = String(data.version);
    if (store.openPending && store.home) {
      store.openPending = false;
      openHome();
    }
  }

  // Kept in the URL and in localStorage, so a reload, or the page opened again, shows the same
  // person and place.
  function remember() {
    if (!store.user || !store.channel) return;
    if (store.home || store.link?.channel !== store.channel) store.link = null;
    const url = new URL(window.location.href);
    url.pathname = store.link
      ? `/archives/${store.link.channel}/p${store.link.ts.replace(".", "")}` : "/";
    for (const key of ["thread_ts", "cid", "home"]) url.searchParams.delete(key);
    if (store.link?.threadTs && store.link.threadTs !== store.link.ts) {
      url.searchParams.set("thread_ts", store.link.threadTs);
      url.searchParams.set("cid", store.link.channel);
    }
    url.searchParams.set("user", store.user);
    url.searchParams.set("channel", store.channel);
    if (store.home) url.searchParams.set("home", "1");
    window.history.replaceState(null, "", url);
    try {
      localStorage.setItem("slacksim.user", store.user);
      localStorage.setItem("slacksim.channel", store.channel);
      localStorage.setItem("slacksim.home", store.home ? "1" : "");
    } catch (err) { /* storage may be disabled; the URL still remembers */ }
  }

  function switchTo(change) {
    // Opening the Home tab, or becoming someone else while on it, opens it anew.
    const opens = (change.home ?? store.home) && (change.home || "user" in change);
    Object.assign(store, change);
    if (opens) {
      store.openPending = true;
      store.homeNotice = null;
    }
    store.modalKey = null;
    store.rendered = null;
    byId("composer-notice").textContent = "";
    remember(); // at once: a reload before the new state arrives keeps the choice
    refresh();
  }

  function setStatus(status) {
    const node = byId("live-status");
    node.dataset.status = status;
    node.textContent = { live: "live", connecting: "connecting", offline: "reconnecting" }[status];
  }

  function listen() {
    if (!window.EventSource) return;
    const events = new EventSource("/_sim/ui/events");
    events.onopen = () => setStatus("live");
    events.onerror = () => setStatus("offline");
    events.onmessage = (event) => {
      setStatus("live");
      const { version } = JSON.parse(event.data);
      if (!store.state || version !== store.state.version) refresh();
    };
  }

  function start() {
    const params = new URLSearchParams(window.location.search);
    let saved = {};
    try {
      saved = {
        user: localStorage.getItem("slacksim.user"),
        channel: localStorage.getItem("slacksim.channel"),
        home: localStorage.getItem("slacksim.home"),
      };
    } catch (err) { /* no storage */ }
    store.user = params.get("user") || saved.user || null;
    store.channel = params.get("channel") || saved.channel || null;
    store.home = params.has("home") ? params.get("home") === "1" : saved.home === "1";
    const link = parsePermalink(window.location.href);
    if (link) {
      store.channel = link.channel;
      store.home = false;
      if (link.ts) {
        store.link = link;
        store.linkPending = true;
        if (link.threadTs && link.threadTs !== link.ts) store.expanded.add(link.threadTs);
      }
    }
    store.openPending = store.home;
    byId("user-switcher").addEventListener("change", (event) => switchTo({ user: event.target.value }));
    byId("composer").addEventListener("submit", sendComposer);
    byId("messages").addEventListener("scroll", dropNowVisible, { passive: true });
    byId("new-messages").addEventListener("click", showUnseen);
    byId("composer-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) sendComposer(event);
    });
    document.addEventListener("keydown", (event) => {
      const open = store.state?.views?.[store.state.views.length - 1];
      if (event.key === "Escape" && open && !byId("confirm-root").firstChild) closeModal(open);
    });
    refresh();
    listen();
    setInterval(refresh, POLL_MS);
  }

  start();
})();
