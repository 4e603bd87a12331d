// Modals and confirm dialogs on the stand-in's page: the stack of views the app opened, their
// inputs, submitting and closing them, and the confirm dialog of a button.
"use strict";

(() => {
  const page = window.SimPage;
  const { el, byId, store, post, failure, toast, textObject, renderBlocks } = page;

  const REQUIRED = "Please complete this required field.";

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
    page.refresh();
  }

  async function closeModal(view) {
    const result = await post("/_sim/act/close", { user: store.user, view_id: view.id });
    if (!result.ok) toast(result.error);
    page.refresh();
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

  Object.assign(page, { renderInput, drawModal, closeModal, confirmDialog });
})();
