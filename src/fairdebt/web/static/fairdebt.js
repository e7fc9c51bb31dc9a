// The console's own behaviour, kept out of the pages: the Content-Security-Policy allows scripts
// from /static only, no inline script or on* attribute.
"use strict";
document.addEventListener("change", function (event) {
  // A <select data-autosubmit> submits its form when changed (the queue's assignee filter).
  var el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.submit();
  }
});
