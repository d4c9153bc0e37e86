// merit: progressive enhancement only; every page works without this file.
"use strict";
document.addEventListener("submit", function (event) {
  // Destructive actions ask first: <form data-confirm="Are you sure?">.
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
