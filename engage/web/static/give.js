// Counts characters as someone types (the page says the limit without this script, and the server refuses words
// over it with the limit named). Numbers are grouped as the page's language groups them.
(function () {
  "use strict";
  var box = document.querySelector("textarea[data-limit]");
  if (!box) { return; }
  var counter = document.getElementById(box.getAttribute("data-counter"));
  var limit = parseInt(box.getAttribute("data-limit"), 10);
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var timer = null;
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return format.format(values[name]); });
  }
  function update() {
    var count = box.value.length;
    var over = count - limit;
    counter.textContent = over > 0
      ? fill(counter.getAttribute("data-over"), { count: count, over: over })
      : fill(counter.getAttribute("data-template"), { count: count, most: limit });
    counter.classList.toggle("counter-over", over > 0);
  }
  // Screen readers hear the count when typing pauses, not on every key.
  counter.setAttribute("aria-live", "polite");
  box.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 600);
  });
  if (box.value.length) { update(); }
}());
