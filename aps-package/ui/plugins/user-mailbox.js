// UX1 User Management, the tile in a user's profile: their OX mailbox (the user service assigned to
// them: tier, mobility, status), a change of tier, and "Open webmail" where the instance lets
// account administrators open their users' mailboxes.
define(['dojo/_base/declare', 'aps/nav/ViewPlugin', 'aps/Tile', 'aps/Output', 'aps/Select', 'aps/Button', 'aps/ResourceStore',
  'aps/xhr', '../lib/format', '../lib/i18n', '../lib/mailbox-form', '../lib/messages', '../lib/operations', '../lib/types'],
function (declare, ViewPlugin, Tile, Output, Select, Button, ResourceStore, xhr, format, _, form, messages, ops, types) {
  'use strict';

  function openWebmail(mailbox) {
    return messages.loginClick(xhr, function () { return mailbox.aps.id; }, 'login', _('Webmail could not be opened: '));
  }

  function changeTier(mailbox, select) {
    return function () {
      var button = this;
      var body = { aps: { id: mailbox.aps.id, type: types.MAILBOX }, profile: { aps: { id: select.get('value') } } };
      new ResourceStore({ target: '/aps/2/resources', apsType: types.MAILBOX }).put(body).then(function () {
        button.cancel();
        messages.show(_('The tier is changed.'), 'info');
      }, function (err) {
        button.cancel();
        messages.show(ops.errorText(err));
      });
    };
  }

  function mailboxTile(mailbox) {
    var tile = new Tile({ title: _('OX App Suite mailbox') });
    var select = new Select({ label: _('Tier'), options: [] });
    tile.addChild(new Output({ label: _('E-mail address'), value: mailbox.email }));
    tile.addChild(new Output({ label: _('Mobility'), value: format.yesNo(mailbox.mobilityEnabled) }));
    tile.addChild(new Output({ label: _('Status'), value: format.stateLabel(mailbox.aps.status) }));
    tile.addChild(select);
    tile.addChild(new Button({ label: _('Change tier'), onClick: changeTier(mailbox, select) }));
    if (mailbox.adminMayOpen === true) tile.addChild(new Button({ label: _('Open webmail'), onClick: openWebmail(mailbox) }));
    new ResourceStore({ target: '/aps/2/resources', apsType: types.PROFILE }).query().then(function (profiles) {
      select.set('options', form.profileOptions(profiles));
      select.set('value', form.linkId(mailbox.profile) || '');
    });
    return tile;
  }

  return declare(ViewPlugin, {
    // The tile is made anew for every user shown, so its widgets take no fixed ids.
    init: function (mediator) {
      mediator.setServiceData = function (data) {
        var mailbox = format.mailboxesOf(data.services, types.MAILBOX)[0];
        if (mailbox) return mailboxTile(mailbox);
        var tile = new Tile({ title: _('OX App Suite mailbox') });
        tile.addChild(new Output({ value: _('No OX mailbox') }));
        return tile;
      };
    },
  });
});
