// Link's upload page: a file over the size limit (or too many files) is named before the form is sent, so
// the business is not made to wait for an upload the server would refuse. The server checks again.
(function () {
  var input = document.querySelector("input[type=file][data-max-bytes]");
  if (!input) return;
  var maxBytes = Number(input.getAttribute("data-max-bytes"));
  var maxFiles = Number(input.getAttribute("data-max-files"));
  var megabytes = input.getAttribute("data-max-megabytes");
  input.addEventListener("change", function () {
    var message = "";
    if (input.files.length > maxFiles) {
      message = "Choose up to " + maxFiles + " files at a time.";
    }
    Array.prototype.forEach.call(input.files, function (file) {
      if (!message && file.size > maxBytes) {
        message = file.name + " is larger than " + megabytes + " MB; choose a smaller file.";
      }
    });
    input.setCustomValidity(message);
    if (message) input.reportValidity();
  });
})();
