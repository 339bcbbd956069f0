// Messages on top of the panel: aps.apsc.displayMessage takes one object {id, description, type}.
define(['./i18n', './operations'], function (_, ops) {
  'use strict';
  var ID = 'ox-connector-message';

  function show(description, type) {
    aps.apsc.removeAllMessages();
    aps.apsc.displayMessage({ id: ID, description: description, type: type || 'error' });
  }

  /** After a login link: nothing to say when the window opened, the link when it was blocked. */
  function loginOpened(result) {
    if (!result.opened) show(_('Your browser blocked the new window. Open this link: __url__').replace('__url__', result.url), 'warning');
  }

  /**
   * A button's onClick that opens a login link of `operation` on the resource resourceId() names
   * at the click; a failure shows `failText` and the endpoint's message.
   */
  function loginClick(xhr, resourceId, operation, failText) {
    return function () {
      var button = this;
      ops.openLogin(xhr, resourceId(), operation).then(function (result) {
        button.cancel();
        loginOpened(result);
      }, function (err) {
        button.cancel();
        show(failText + ops.errorText(err));
      });
    };
  }

  /** Shows the first of a form's errors and releases the waiting button: true when there was one. */
  function refused(errors) {
    var keys = Object.keys(errors);
    if (!keys.length) return false;
    show(errors[keys[0]]);
    aps.apsc.cancelProcessing();
    return true;
  }

  /** A request that failed: the endpoint's message shown, the waiting button released. */
  function failed(err) {
    show(ops.errorText(err));
    aps.apsc.cancelProcessing();
  }

  return { show: show, loginOpened: loginOpened, loginClick: loginClick, refused: refused, failed: failed };
});
