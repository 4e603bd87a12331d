// The local Slack stand-in's page: a channel or the app's Home tab, drawn from /_sim/ui/state,
// acting through /_sim/act/*. Permalinks (/archives/<channel>/p<digits>) open it at a message.
// This script, loaded last, keeps the page live (events and polling), draws the sidebar, top bar
// and person switcher, sends the composer's slash commands, and starts the page; the parts it
// draws come from the scripts before it (see page.js).
"use strict";

(() => {
  const page = window.SimPage;
  const { el, byId, store, post, failure, toast, parsePermalink } = page;
  const { drawMessages, scrollToLink, dropNowVisible, showUnseen } = page;
  const { drawHome, openHomeTab, openHome, drawModal, closeModal } = page;

  const POLL_MS = 3000;

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

  // ---- composer ---------------------------------------------------------------------------

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

  Object.assign(page, { refresh, switchTo });
  start();
})();
