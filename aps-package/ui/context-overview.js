// Customer control panel: the subscription's OX context at a glance, and "Open OX as administrator".
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', 'aps/_', './lib/context-model', './lib/operations'],
function (declare, View, xhr, _, overview, ops) {
  'use strict';
  return declare(View, {
    init: function () {
      return ['aps/Tiles', [
        ['aps/Tile', { title: _('OX App Suite') }, [
          ['aps/FieldSet', [
            ['aps/Output', { id: this.genId('ctx'), label: _('Context') }],
            ['aps/Output', { id: this.genId('state'), label: _('Status') }],
            ['aps/Output', { id: this.genId('disk'), label: _('Disk space') }],
            ['aps/Output', { id: this.genId('mbx'), label: _('Mailboxes') }],
            ['aps/Output', { id: this.genId('mob'), label: _('Mobility add-ons') }],
          ]],
          ['aps/Button', { id: this.genId('open'), label: _('Open OX as administrator'), onClick: this.openOx.bind(this) }],
        ]],
      ]];
    },
    onContext: function () {
      this.context = aps.context.vars.context;
      var m = overview(this.context, _);
      this.byId('ctx').set('value', m.contextId);
      this.byId('state').set('value', m.state);
      this.byId('disk').set('value', m.disk);
      this.byId('mbx').set('value', m.mailboxes);
      this.byId('mob').set('value', m.mobility);
      this.byId('open').set('disabled', !m.canOpenOx);
      aps.apsc.hideLoading();
    },
    openOx: function () {
      var button = this.byId('open');
      return ops.openLogin(xhr, this.context.aps.id, 'adminLogin').then(function () { button.cancel(); }, function (err) {
        button.cancel();
        aps.apsc.displayMessage(_('OX could not be opened: ') + (err.message || err));
      });
    },
  });
});
