// Messages on top of the panel: aps.apsc.displayMessage takes one object {id, description, type}.
define([], function () {
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

  return { show: show, loginOpened: loginOpened };
});
