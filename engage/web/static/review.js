// Review page keys: 1-9 tick and untick themes, Enter saves. Everything else is plain HTML and works without this.
document.addEventListener("keydown", function (event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  var form = document.getElementById("review-form");
  var target = event.target;
  if (!form || (target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox")))) return;
  if (event.key === "Enter") {
    // On a link or a button, Enter keeps its own meaning (follow the link, press the button).
    if (target && (target.tagName === "A" || target.tagName === "BUTTON")) return;
    event.preventDefault();
    form.requestSubmit();
    return;
  }
  var box = form.querySelector('input[data-key="' + event.key + '"]');
  if (!box) return;
  event.preventDefault();
  box.checked = !box.checked;
});
