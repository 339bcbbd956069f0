// Stand-in for the panel's /aps/2/ui/runtime/client/aps/aps.js: the real Dojo loader (the `dojo`
// package) with the documented aps/* modules served by the test's panel server.
(function () {
  'use strict';
  var config = window.dojoConfig = window.dojoConfig || {};
  config.async = true;
  config.baseUrl = '/dojo/';
  config.packages = (config.packages || []).concat([
    { name: 'dojo', location: '/dojo' },
    { name: 'aps', location: '/panel/aps' },
    { name: 'dijit', location: '/panel/dijit' },
  ]);
  document.write('<script src="/dojo/dojo.js"><\/script>');
})();
