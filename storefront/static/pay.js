// Mounts Stripe's Payment Element (card, Alipay, WeChat Pay) and confirms the
// order's PaymentIntent; Stripe then returns the buyer to the order page.
(function () {
  var form = document.getElementById("pay-form");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.pk);
  var elements = stripe.elements({ clientSecret: form.dataset.secret, locale: document.documentElement.lang === "en" ? "en" : "zh" });
  elements.create("payment").mount("#payment-element");
  var errorBox = document.getElementById("pay-error");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.return } }).then(function (r) {
      if (r.error) { errorBox.textContent = r.error.message; errorBox.hidden = false; }
    });
  });
})();
