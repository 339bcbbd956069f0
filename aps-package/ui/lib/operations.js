// Calls to the endpoint's custom operations through the controller, and opening login links.
// Every view goes through call(), so the package check can list the operations the UI uses.
define([], function () {
  'use strict';

  function url(resourceId, operation) {
    if (!/^[0-9a-fA-F-]{36}$/.test(resourceId)) throw new Error('not a resource id: ' + resourceId);
    return '/aps/2/resources/' + resourceId + '/' + operation;
  }

  /** xhr is aps/xhr (a promise of the parsed JSON). */
  function call(xhr, resourceId, operation) {
    return xhr(url(resourceId, operation), { method: 'GET', handleAs: 'json' });
  }

  /** An operation that changes something (declared with verb POST). */
  function post(xhr, resourceId, operation) {
    return xhr(url(resourceId, operation), { method: 'POST', handleAs: 'json' });
  }

  /**
   * Opens a single sign-on URL. The window is opened inside the click (a browser blocks one opened
   * after an awaited request) and sent to the URL when it arrives. Resolves to {url, opened}: when
   * the browser blocked the window, the view shows the URL instead.
   */
  function openLogin(xhr, resourceId, operation, win) {
    var w = win || window;
    var tab = w.open('', '_blank');
    return call(xhr, resourceId, operation).then(function (answer) {
      if (!answer || typeof answer.url !== 'string' || !/^https?:\/\//.test(answer.url)) throw new Error('no login URL');
      if (tab) {
        tab.opener = null;
        tab.location.href = answer.url;
      }
      return { url: answer.url, opened: Boolean(tab) };
    }).then(undefined, function (err) {
      if (tab) tab.close();
      throw err;
    });
  }

  /** The text of a failed request: the endpoint's message when it sent one. */
  function errorText(err) {
    var body = err && err.response && err.response.data;
    if (typeof body === 'string') {
      try { body = JSON.parse(body); } catch (e) { body = undefined; }
    }
    return (body && body.message) || (err && err.message) || String(err);
  }

  return { url: url, call: call, post: post, openLogin: openLogin, errorText: errorText };
});
