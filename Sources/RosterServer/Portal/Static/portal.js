// The Admin Portal's only script. Pages work without it; it adds "select all on this
// page" and a progress bar that updates itself. It never inserts markup: only text.
"use strict";

document.querySelectorAll("input[data-select-all]").forEach((master) => {
  const boxes = () => master.form.querySelectorAll(`input[type=checkbox][name="${master.dataset.selectAll}"]`);
  master.addEventListener("change", () => boxes().forEach((box) => { box.checked = master.checked; }));
});

const panel = document.querySelector("[data-progress-url]");
if (panel) {
  const bar = document.getElementById("progress");
  const text = document.getElementById("progress-text");
  const poll = async () => {
    try {
      const response = await fetch(panel.dataset.progressUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const p = await response.json();
        bar.max = Math.max(p.total, 1);
        bar.value = p.processed;
        text.textContent = `${p.processed} of ${p.total} users processed (created ${p.created}, skipped ${p.skipped}, failed ${p.failed})`;
        for (const key of ["total", "created", "skipped", "failed"]) {
          const cell = document.getElementById(`count-${key}`);
          if (cell) cell.textContent = String(p[key]);
        }
        if (p.finished) { text.textContent += ": done"; setTimeout(() => window.location.reload(), 500); return; }
      }
    } catch (_) { /* the server may be restarting: try again */ }
    setTimeout(poll, 700);
  };
  setTimeout(poll, 300);
}
