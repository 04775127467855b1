// Inspection results worksheet: save each answer as it is given, show per-item state, retry on failure.
// Progressive enhancement: without this file the form posts everything at once.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("results-form");
  if (!form) return;
  const msgs = form.dataset;
  const total = document.getElementById("progress-total");
  const count = document.getElementById("progress-count");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const items = Array.from(form.querySelectorAll("fieldset.result-item"));
  const pending = new Set();
  const warning = document.getElementById("leave-warning");
  let inFlight = 0; // answers queued or being sent: leaving now would lose them

  const current = (fs) => {
    const checked = fs.querySelector("input[type=radio]:checked");
    return checked ? checked.value : "";
  };
  const updateProgress = () => {
    count.textContent = String(items.filter((fs) => current(fs) !== "").length);
  };
  const setState = (fs, text, failed) => {
    fs.querySelector(".save-state").textContent = text;
    fs.querySelector(".retry").hidden = !failed;
  };

  const save = async (fs) => {
    const id = Number(fs.dataset.itemId);
    const result = current(fs);
    const note = fs.querySelector("textarea").value;
    if (result === "not_applicable" && !note.trim()) {
      setState(fs, msgs.msgNeedsNote, false);
      return;
    }
    setState(fs, msgs.msgSaving, false);
    try {
      const resp = await fetch(form.dataset.apiUrl, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify([{ item_id: id, result: result || null, note }]),
      });
      if (!resp.ok) {
        let detail = "";
        try { detail = (await resp.json()).error.message; } catch (e) { detail = String(resp.status); }
        throw new Error(detail);
      }
      pending.delete(fs);
      fs.dataset.result = result;
      setState(fs, msgs.msgSaved, false);
    } catch (err) {
      pending.add(fs);
      setState(fs, `${msgs.msgFailed}: ${err.message}`, true);
    }
  };

  // One save at a time, in the order given: two quick answers to one item must not land in reverse order, and a
  // slow link is not flooded with parallel requests.
  let queue = Promise.resolve();
  const enqueue = (fs) => {
    inFlight += 1;
    setState(fs, msgs.msgSaving, false);
    queue = queue.then(() => save(fs)).finally(() => { inFlight -= 1; });
  };
  const unsaved = () => inFlight + pending.size;
  const warn = (text) => { warning.textContent = text; warning.hidden = false; };

  // A link followed while answers are still queued waits for them (saying so), then leaves; if one fails, it stays
  // on the page with the failed items marked, so nothing given is lost without a word.
  const leaveAfterSaving = async (href) => {
    warn(msgs.msgLeaving.replace("{count}", String(unsaved())));
    await queue;
    if (pending.size) {
      warn(msgs.msgLeaveFailed.replace("{count}", String(pending.size)));
      const first = pending.values().next().value;
      if (first) first.scrollIntoView({ block: "center" });
      return;
    }
    window.location.assign(href);
  };

  if (form.dataset.editable === "1") {
    items.forEach((fs) => {
      fs.querySelectorAll("input[type=radio]").forEach((r) => r.addEventListener("change", () => { updateProgress(); enqueue(fs); }));
      fs.querySelector("textarea").addEventListener("change", () => enqueue(fs));
      fs.querySelector(".retry").addEventListener("click", () => enqueue(fs));
    });
    window.addEventListener("online", () => pending.forEach((fs) => enqueue(fs)));
    document.addEventListener("click", (ev) => {
      const link = ev.target.closest("a[href]");
      if (!link || !unsaved() || link.target || ev.ctrlKey || ev.metaKey || ev.shiftKey || link.getAttribute("href").startsWith("#")) return;
      ev.preventDefault();
      leaveAfterSaving(link.href);
    });
    let posting = false; // "Save all results" posts every answer: nothing is lost by leaving through it
    form.addEventListener("submit", () => { posting = true; });
    window.addEventListener("beforeunload", (ev) => {
      if (unsaved() && !posting) { ev.preventDefault(); ev.returnValue = ""; }
    });
  }

  const filters = document.getElementById("result-filters");
  if (filters) {
    filters.hidden = false;
    filters.querySelectorAll("button[data-filter]").forEach((btn) => {
      btn.addEventListener("click", () => {
        const mode = btn.dataset.filter;
        filters.querySelectorAll("button[data-filter]").forEach((b) => b.setAttribute("aria-pressed", String(b === btn)));
        items.forEach((fs) => {
          const r = current(fs);
          fs.hidden = (mode === "unanswered" && r !== "") || (mode === "not_met" && r !== "not_met" && r !== "partial");
        });
      });
    });
  }
  updateProgress();
  if (total && !items.length) total.textContent = "0";
});
