/* Date pickers (dcc.DatePickerSingle) read a typed date only on Enter or Tab; a curator who types
 * "01/12/2026" and then clicks elsewhere would see that date in the field while the filter still
 * holds the old one. Leaving the field any other way (a click, Esc) is made to count as Tab: the
 * picker parses the text, takes a valid date and puts the last valid one back otherwise. A field
 * left by the curator's own Tab or Enter was read already: reading it twice in one event would
 * use the picker's state from before the first read (a cleared date would come back). */
(function () {
    "use strict";
    function isPicker(el) {
        return !!(el && el.classList && el.classList.contains("dash-datepicker-input"));
    }
    var readBy = null;  // the field whose own Tab or Enter the picker is reading
    document.addEventListener("keydown", function (event) {
        if (event.isTrusted && (event.key === "Tab" || event.key === "Enter") && isPicker(event.target)) {
            readBy = event.target;
        }
    }, true);
    document.addEventListener("focusout", function (event) {
        var field = event.target;
        if (!isPicker(field)) {
            return;
        }
        if (readBy === field) {
            readBy = null;
            return;
        }
        field.dispatchEvent(new KeyboardEvent("keydown", {key: "Tab", code: "Tab", bubbles: true}));
    }, true);
})();
