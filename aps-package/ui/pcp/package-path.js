// Classic CP pages: the package's modules load as app/<path under ui/> (set before aps.js loads).
(function () {
  'use strict';
  var here = window.location.pathname.replace(/\/[^/]*$/, '');
  var config = window.dojoConfig = window.dojoConfig || {};
  config.packages = (config.packages || []).concat([{ name: 'app', location: here }]);
})();
