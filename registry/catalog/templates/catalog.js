/* Sortable tables: a header's button sorts by its column (numbers as numbers), again to
   reverse; the state is announced with aria-sort. A cell's data-sort, when it has one, is
   what it sorts by (a chart sorts by its number, not its title). */
(function () {
  function key(cell) {
    var given = cell.getAttribute("data-sort");
    return given !== null ? given : cell.textContent.trim();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, column) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "sort"; button.textContent = th.textContent;
      th.textContent = ""; th.appendChild(button); th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          var nx = parseFloat(x), ny = parseFloat(y);
          var order = !isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y
            ? nx - ny : x.localeCompare(y, undefined, {numeric: true, sensitivity: "base"});
          return up ? order : -order;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        table.dispatchEvent(new Event("sorted"));  /* a paged list shows its first page again */
      });
    });
  });
})();
