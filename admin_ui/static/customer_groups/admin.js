// Keeps the colour picker and its hex field in step as the admin types or picks.
// Only an enhancement: without it the server works out which of the two was changed.
document.querySelectorAll(".cg-colour-row").forEach(function (row) {
  var picker = row.querySelector('input[type="color"]');
  var hex = row.querySelector(".cg-input-hex");
  if (!picker || !hex) return;
  picker.addEventListener("input", function () {
    hex.value = picker.value.toUpperCase();
  });
  hex.addEventListener("input", function () {
    var value = hex.value.trim();
    if (/^#[0-9a-f]{6}$/i.test(value)) picker.value = value.toLowerCase();
  });
});
