// What every part of the stand-in's page shares: the one `store` of what is shown, DOM helpers,
// and the calls to /_sim/act/*. The page's scripts load in order (see index.html), each an IIFE
// that adds its parts to `window.SimPage`; a part defined by a later script is looked up on the
// namespace when called (`page.switchTo(...)`), one from an earlier script is taken at load.
// Every script builds with DOM calls and textContent, never innerHTML, so message text
// cannot inject markup.
"use strict";

(() => {
  const TOAST_MS = 7000;
  const DELIVERY_ERRORS = {
    operation_timeout: "didn't respond in time",
    dispatch_failed: "couldn't be reached",
  };

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

  function toast(message) {
    const item = el("div", { class: "toast" }, message);
    byId("toasts").append(item);
    setTimeout(() => item.remove(), TOAST_MS);
  }

  window.SimPage = { store, el, byId, displayName, post, failure, toast };
})();
