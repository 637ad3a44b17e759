// Review queue (/dashboard/revisao) only: keys become clicks on the page's buttons, so the keyboard
// and the mouse do exactly the same (the server decides what a click records).
//   c or Enter: confirm · 1-6: another category · j, ArrowRight, ArrowDown: next ·
//   k, ArrowLeft, ArrowUp: previous · u: undo · Esc: leave a filter field.
// Keys are ignored while focus is in a field (filters) and while a callback is in flight, so a
// key pressed twice never acts on an item the curator has not seen.
(function () {
  "use strict";
  // Every page of the app loads the assets (links between pages are full page loads).
  if (!/^\/dashboard\/revisao\/?$/.test(window.location.pathname)) {
    return;
  }
  var KEYS = {
    c: "revisao-confirmar", Enter: "revisao-confirmar",
    j: "revisao-proximo", ArrowRight: "revisao-proximo", ArrowDown: "revisao-proximo",
    k: "revisao-anterior", ArrowLeft: "revisao-anterior", ArrowUp: "revisao-anterior",
    u: "revisao-desfazer"
  };
  for (var n = 1; n <= 6; n++) {
    KEYS[String(n)] = "revisao-cat-" + n;
  }
  var FIELDS = 'input, textarea, select, [contenteditable=""], [contenteditable="true"], ' +
    '[role="combobox"], [role="listbox"], [role="dialog"], [role="menu"], .dash-dropdown, .dash-dropdown-content';

  var inFlight = 0;
  var clicked = false; // a click whose callback request has not started yet
  var originalFetch = window.fetch;
  window.fetch = function (input) {
    var url = String((input && input.url) || input);
    if (url.indexOf("_dash-update-component") === -1) {
      return originalFetch.apply(this, arguments);
    }
    inFlight += 1;
    clicked = false;
    return originalFetch.apply(this, arguments).finally(function () {
      inFlight -= 1;
    });
  };

  function inField(el) {
    return !!(el && el !== document.body && el.closest && el.closest(FIELDS));
  }

  // Esc leaves a field, listened to in the capture phase: a date picker handles its own Esc (it
  // stops the event, closes its calendar and then puts the focus back in its field), and one Esc
  // must still give the keys back to the page. So the focus that comes back right after an Esc is
  // sent away again (not a click's: a pointer press ends that window).
  var leftAt = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.getElementById("revisao-pagina") && inField(document.activeElement)) {
      leftAt = Date.now();
      document.activeElement.blur();  // at once: the next key may follow within milliseconds
    }
  }, true);
  document.addEventListener("focusin", function (event) {
    if (leftAt && Date.now() - leftAt < 1000 && inField(event.target)) {
      event.target.blur();
    }
    leftAt = 0;
  });
  document.addEventListener("pointerdown", function () { leftAt = 0; }, true);

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("revisao-pagina")) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) {
      return;
    }
    var active = document.activeElement;
    if (event.key === "Escape") {
      return;
    }
    if (inField(event.target) || inField(active)) {
      return;
    }
    var key = event.key && event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var id = KEYS[key];
    if (!id) {
      return;
    }
    // Enter on a focused button or link activates that one: no confirmation on top of it.
    if (key === "Enter" && active && (active.tagName === "BUTTON" || active.tagName === "A")) {
      return;
    }
    var button = document.getElementById(id);
    if (!button || button.disabled) {
      return;
    }
    event.preventDefault();
    if (event.repeat || clicked || inFlight > 0) {
      return;
    }
    clicked = true;
    window.setTimeout(function () { clicked = false; }, 1500);
    button.click();
  });
})();
