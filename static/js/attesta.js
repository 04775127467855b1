// Progressive enhancement only: every page works without this file. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  });
  // Live classification preview: post the form to the preview URL and show the returned fragment.
  const form = document.querySelector("form[data-classify-url]");
  if (form) {
    const target = document.getElementById("classification-preview");
    let timer = null;
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const resp = await fetch(form.dataset.classifyUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" });
        if (resp.ok) target.innerHTML = await resp.text();
      }, 250);
    };
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
  }
});
