// The "Print" button (hidden without this script: the browser's own Print works the same).
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (!button) { return; }
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
}());
