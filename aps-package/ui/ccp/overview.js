// Customer panel (UX1): the subscription's OX context at a glance, "Open OX as administrator" and
// the way to its mailboxes.
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', '../lib/format', '../lib/i18n', '../lib/messages'],
function (declare, View, xhr, format, _, messages) {
  'use strict';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('ov_panel') }, [
        ['aps/FieldSet', { id: this.genId('ov_fields'), title: _('OX App Suite') }, [
          ['aps/Output', { id: this.genId('ov_ctx'), label: _('Context') }],
          ['aps/Output', { id: this.genId('ov_state'), label: _('Status') }],
          ['aps/Output', { id: this.genId('ov_disk'), label: _('Disk space') }],
          ['aps/Output', { id: this.genId('ov_mailboxes'), label: _('Mailboxes') }],
          ['aps/Output', { id: this.genId('ov_mobility'), label: _('Mobility add-ons') }],
        ]],
        ['aps/Button', { id: this.genId('ov_manage'), label: _('Manage mailboxes'), onClick: function () {
          this.cancel();
          aps.apsc.gotoView('mailboxes');
        } }],
        ['aps/Button', { id: this.genId('ov_open'), label: _('Open OX as administrator'), onClick: messages.loginClick(xhr, function () { return aps.context.vars.context.aps.id; }, 'adminLogin', _('OX could not be opened: ')) }],
      ]];
    },
    onContext: function () {
      var m = format.contextSummary(aps.context.vars.context);
      this.byId('ov_ctx').set('value', m.contextId);
      this.byId('ov_state').set('value', m.state);
      this.byId('ov_disk').set('value', m.disk);
      this.byId('ov_mailboxes').set('value', m.mailboxes);
      this.byId('ov_mobility').set('value', m.mobility);
      this.byId('ov_open').set('disabled', !m.canOpenOx);
      aps.apsc.hideLoading();
    },
  });
});
