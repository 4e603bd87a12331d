// The channel on the stand-in's page: messages, ephemerals, threads, the message a permalink
// points at, the "new messages" cue, and clicks on the buttons of messages.
"use strict";

(() => {
  const page = window.SimPage;
  const { el, byId, store, displayName, post, failure, toast } = page;
  const { mrkdwn, renderBlocks } = page;

  // A message whose top is at most this far above the channel's bottom edge counts as unseen.
  const PEEK_PX = 24;

  // ---- messages ---------------------------------------------------------------------------

  function formatTime(ts) {
    const date = new Date(parseFloat(ts) * 1000);
    return date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  function formatFull(ts) {
    return new Date(parseFloat(ts) * 1000).toLocaleString();
  }

  function avatar(name, isBot) {
    const initial = (name || "?").trim().charAt(0).toUpperCase();
    return el("div", { class: isBot ? "avatar avatar-bot" : "avatar", "aria-hidden": "true" }, initial);
  }

  function author(message) {
    const botName = store.state?.bot?.name || "bot";
    if (message.bot_id || message.user === store.state?.bot?.id) return { name: botName, bot: true };
    return { name: displayName(message.user), bot: false };
  }

  // A file shared with a message (files.completeUploadExternal): its title, linking to it.
  function renderFiles(files) {
    if (!files?.length) return null;
    return el("div", { class: "message-files" }, ...files.map((file) =>
      el("a", {
        class: "message-file", href: file.url_private, target: "_blank", rel: "noopener",
        "data-file-id": file.id,
      }, `📄 ${file.title || file.name} (${file.size} bytes)`)));
  }

  function renderMessage(message, opts) {
    const who = author(message);
    const ctx = { kind: "message", ts: message.ts, ephemeral: opts.ephemeral };
    const text = message.blocks?.length ? renderBlocks(message.blocks, ctx)
      : message.text ? el("div", { class: "message-text mrkdwn" }, mrkdwn(message.text)) : null;
    const content = el("div", {}, text, renderFiles(message.files));
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

  // ---- actions ----------------------------------------------------------------------------

  async function clickButton(ts, element, button) {
    // Cancelling a confirm dialog sends nothing, as in Slack's own client.
    if (element.confirm && !(await page.confirmDialog(element.confirm))) return;
    button.disabled = true;
    button.classList.add("busy");
    const result = await post("/_sim/act/click", {
      user: store.user, channel: store.channel, ts, action_id: element.action_id, confirm: true,
    });
    button.disabled = false;
    button.classList.remove("busy");
    if (!result.ok) toast(result.error);
    else if (result.data.error) toast(failure(result.data.error));
    page.refresh();
  }

  Object.assign(page, { clickButton, drawMessages, scrollToLink, dropNowVisible, showUnseen });
})();
