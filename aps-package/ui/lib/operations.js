// Calls to the endpoint's custom operations through the controller. Every view goes through
// call(), so the package check can list the operations the UI uses.
define([], function () {
  'use strict';

  function url(resourceId, operation) {
    if (!/^[0-9a-fA-F-]{36}$/.test(resourceId)) throw new Error('not a resource id: ' + resourceId);
    return '/aps/2/resources/' + resourceId + '/' + operation;
  }

  /** xhr is aps/xhr (returns a promise of the parsed JSON). */
  function call(xhr, resourceId, operation) {
    return xhr(url(resourceId, operation), { method: 'GET', handleAs: 'json' });
  }

  /** Opens a single sign-on URL the endpoint returned, in a new window. */
  function openLogin(xhr, resourceId, operation, win) {
    return call(xhr, resourceId, operation).then(function (answer) {
      if (!answer || typeof answer.url !== 'string' || !/^https:\/\//.test(answer.url)) throw new Error('no login URL');
      (win || window).open(answer.url, '_blank', 'noopener');
      return answer.url;
    });
  }

  return { url: url, call: call, openLogin: openLogin };
});
