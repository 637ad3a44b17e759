/* Drill-down of the public report (issue 14): a click on a chart point opens the private comments
 * table filtered like that point. The links are built on the server (dashboard.figures.add_drilldown)
 * and travel in each trace's meta.links; this only follows them, so the public app needs no callback.
 * Only same-site paths under /dashboard/ are followed. */
(function () {
    "use strict";
    function follow(event) {
        var point = event && event.points && event.points[0];
        var links = point && point.data && point.data.meta && point.data.meta.links;
        var link = links && links[point.pointIndex !== undefined ? point.pointIndex : point.pointNumber];
        if (typeof link === "string" && link.indexOf("/dashboard/") === 0) {
            window.location.assign(link);
        }
    }
    function attach(root) {
        var graphs = root.querySelectorAll ? root.querySelectorAll(".js-plotly-plot") : [];
        for (var i = 0; i < graphs.length; i++) {
            var gd = graphs[i];
            if (!gd.dataset.drilldown && typeof gd.on === "function") {
                gd.dataset.drilldown = "1";
                gd.on("plotly_click", follow);
            }
        }
    }
    new MutationObserver(function () { attach(document); })
        .observe(document.documentElement, {childList: true, subtree: true});
})();
