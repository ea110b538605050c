// Progressive enhancement only: every page works without this file.
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-copy]");
  if (!b || !navigator.clipboard) return;
  navigator.clipboard.writeText(b.getAttribute("data-copy"));
  b.setAttribute("aria-live", "polite");
});

// Tables become cards on phones (app.css): give each cell its column's name.
document.querySelectorAll("main table:not(.keep)").forEach(function (table) {
  var names = [];
  var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
  if (!head) return;
  for (var i = 0; i < head.cells.length; i++) {
    for (var n = 0; n < (head.cells[i].colSpan || 1); n++) names.push(head.cells[i].innerText.trim());
  }
  // A footer of totals for several columns too (a footer of one total,
  // "Total ¥…", reads without; a footer's row heading names itself).
  var groups = Array.prototype.slice.call(table.tBodies);
  if (table.tFoot) groups.push(table.tFoot);
  for (var b = 0; b < groups.length; b++) {
    var rows = groups[b].rows;
    for (var r = 0; r < rows.length; r++) {
      var foot = groups[b] === table.tFoot;
      if (foot && rows[r].querySelectorAll("td").length < 2) continue;
      var col = 0;
      for (var c = 0; c < rows[r].cells.length; c++) {
        var cell = rows[r].cells[c];
        if (names[col] && !(foot && cell.tagName === "TH") && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[col]);
        col += cell.colSpan || 1;
      }
    }
  }
});

// The quantity stepper (− and +) of the product page.
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-step]");
  if (!b) return;
  var input = b.parentNode.querySelector("input[type=number]");
  var v = (parseInt(input.value, 10) || 1) + parseInt(b.getAttribute("data-step"), 10);
  input.value = Math.min(parseInt(input.max, 10) || 999, Math.max(parseInt(input.min, 10) || 1, v));
});

// Buttons only this file makes work come hidden: show them now, the copy
// button only where the browser lets a page write to the clipboard.
document.querySelectorAll("[data-step]").forEach(function (b) { b.hidden = false; });
if (navigator.clipboard) document.querySelectorAll("[data-copy]").forEach(function (b) { b.hidden = false; });
