// Link: filters the software list as the business types (the search form works without it too).
(function () {
  var input = document.getElementById("search");
  var count = document.getElementById("search-count");
  var form = document.getElementById("search-form");
  if (!input || !form) return;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  function filter() {
    var term = input.value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll("[data-group]").forEach(function (group) {
      var visible = 0;
      group.querySelectorAll("li[data-name]").forEach(function (item) {
        var match = !term || item.getAttribute("data-name").indexOf(term) !== -1;
        item.hidden = !match;
        if (match) visible += 1;
      });
      group.hidden = visible === 0;
      shown += visible;
    });
    count.textContent = term ? shown + (shown === 1 ? " result" : " results") : "";
  }
  input.addEventListener("input", filter);
  filter();
})();
