// UX1 User Management, the user list: a column with each user's OX mailbox (its address), from the
// user services the list passes with every user.
define(['dojo/_base/declare', 'aps/nav/ViewPlugin', 'aps/Output', '../lib/format', '../lib/i18n', '../lib/types'],
function (declare, ViewPlugin, Output, format, _, types) {
  'use strict';

  function stateOf(user) {
    var mailbox = format.mailboxesOf(user.services, types.MAILBOX)[0];
    if (!mailbox) return { status: 'Not Assigned', title: _('OX App Suite mailbox') };
    return {
      status: format.serviceStatus(mailbox.aps.status),
      title: _('OX App Suite mailbox'),
      gridWidget: new Output({ value: mailbox.email }),
    };
  }

  return declare(ViewPlugin, {
    init: function (mediator) {
      mediator.getServicesList = function () { return _('OX mailbox'); };
      mediator.getState = function (users) {
        var state = {};
        (users || []).forEach(function (u) { state[u.aps.id] = [stateOf(u)]; });
        return state;
      };
    },
  });
});
