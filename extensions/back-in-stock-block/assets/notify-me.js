// Notify me on WhatsApp: shows the block while the selected variant is sold out (themes announce a variant change
// differently; the form's variant input and the URL's ?variant= are the common ground), and posts the signup to the
// app proxy. The app answers in the shopper's language; this script only shows the answer.
(function () {
  function variantsOf(root) {
    try {
      return JSON.parse(root.querySelector("[data-momento-bis-variants]").textContent || "[]");
    } catch {
      return [];
    }
  }

  function selectedVariantId() {
    var input = document.querySelector('form[action*="/cart/add"] [name="id"]');
    if (input && input.value) return String(input.value);
    var fromUrl = new URLSearchParams(window.location.search).get("variant");
    return fromUrl || null;
  }

  function sync(root, variants) {
    var id = selectedVariantId();
    var variant = variants.find(function (v) { return String(v.id) === id; });
    if (!variant) return;
    root.hidden = variant.available;
    root.querySelector('[name="variantId"]').value = String(variant.id);
  }

  function init(root) {
    if (root.dataset.momentoBisReady) return;
    root.dataset.momentoBisReady = "1";
    var variants = variantsOf(root);
    var form = root.querySelector("form");
    var message = root.querySelector("[data-momento-bis-message]");
    document.addEventListener("change", function () { sync(root, variants); });
    window.addEventListener("popstate", function () { sync(root, variants); });
    sync(root, variants);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      message.textContent = "";
      fetch(root.dataset.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          variantId: form.variantId.value,
          phone: form.phone.value,
          locale: root.dataset.locale,
          wording: root.querySelector("[data-momento-bis-wording]").textContent.trim(),
        }),
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; });
        })
        .then(function (body) {
          message.textContent = body.ok ? body.message : body.error || root.dataset.error;
          if (body.ok) form.phone.value = "";
        })
        .catch(function () {
          message.textContent = root.dataset.error;
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  }

  function start() {
    document.querySelectorAll("[data-momento-bis]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // The theme editor re-renders sections in place.
  document.addEventListener("shopify:section:load", start);
})();
