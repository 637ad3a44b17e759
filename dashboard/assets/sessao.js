// Private app only (the public app ignores this file): when a callback answers 401 the session
// has ended (logout elsewhere, expiry, account disabled), so go to the login page and come back here.
(function () {
  var originalFetch = window.fetch;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && String(response.url).indexOf("/_dash-") !== -1) {
        var back = window.location.pathname + window.location.search;
        window.location.assign("/entrar?proximo=" + encodeURIComponent(back));
      }
      return response;
    });
  };
})();
