// The app's Home tab on the stand-in's page: opening it (app_home_opened), drawing the view the
// app published, and clicks on its buttons.
"use strict";

(() => {
  const page = window.SimPage;
  const { el, byId, store, post, failure, toast, renderBlocks } = page;

  // Why Slack sent no app_home_opened: the manifest leaves the event or the tab out.
  const HOME_REFUSALS = {
    event_not_subscribed: "does not subscribe to the app_home_opened event",
    home_tab_disabled: "has the Home tab turned off in its manifest",
  };

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
    page.switchTo({ home: true });
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
    if (element.confirm && !(await page.confirmDialog(element.confirm))) return;
    button.disabled = true;
    button.classList.add("busy");
    const result = await post("/_sim/act/click_home", {
      user: store.user, action_id: element.action_id, value: element.value ?? null, confirm: true,
    });
    button.disabled = false;
    button.classList.remove("busy");
    if (!result.ok) toast(result.error);
    else if (result.data.error) toast(failure(result.data.error));
    page.refresh();
  }

  Object.assign(page, { drawHome, openHomeTab, openHome, clickHomeButton });
})();
