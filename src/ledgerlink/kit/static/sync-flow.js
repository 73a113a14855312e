// Sync Flow: a section's questions show only while its "sync" box is ticked (`data-shows` names them), and a
// summary of errors takes the focus. The form works without this: the server shows and checks the same.
(function () {
  document.querySelectorAll("input[data-shows]").forEach(function (box) {
    var targets = box.getAttribute("data-shows").split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
    function update() { targets.forEach(function (target) { target.hidden = !box.checked; }); }
    box.addEventListener("change", update);
    update();
  });
  var summary = document.getElementById("configure-errors");
  if (summary) summary.focus();
})();
