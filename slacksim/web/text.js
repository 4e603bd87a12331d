// Slack's text on the stand-in's page: mrkdwn, Slack's escapes, mentions, emoji and links,
// including permalinks into this workspace. Dates come from dates.js (slackDate).
"use strict";

(() => {
  const page = window.SimPage;
  const { el, store, displayName } = page;

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
  const PERMALINK = /^\/archives\/([^/]+)(?:\/p(\d{7,}))?\/?$/;

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
    page.switchTo({ channel: link.channel, home: false });
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

  Object.assign(page, {
    EMOJI, safeUrl, mention, special, linkTo, parsePermalink, mrkdwn, textObject,
  });
})();
