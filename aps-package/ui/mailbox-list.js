// Customer control panel: the context's mailboxes, with "Open webmail" per row.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/xhr', 'aps/_', './lib/format', './lib/operations'],
function (declare, View, Store, xhr, _, format, ops) {
  'use strict';
  return declare(View, {
    init: function () {
      var self = this;
      this.store = new Store({ target: '/aps/2/resources', apsType: 'http://ox-connector.org/aps/mailboxes/1.0' });
      return ['aps/Grid', {
        id: this.genId('grid'), store: this.store, selectionMode: 'single',
        columns: [
          { field: 'email', name: _('E-mail address') },
          { field: 'displayName', name: _('Name') },
          { field: 'aps.status', name: _('Status'), renderCell: function (row) { return format.stateLabel(row.aps && row.aps.status, _); } },
          { field: 'aps.id', name: '', renderCell: function (row) { return self.openButton(row); } },
        ],
        onRowClick: function (row) { aps.apsc.gotoView('mailbox-edit', row.aps.id); },
      }, [['aps/Toolbar', [['aps/ToolbarButton', { label: _('Add mailbox'), iconClass: 'fa-plus', onClick: function () { aps.apsc.gotoView('mailbox-edit'); } }]]]]];
    },
    openButton: function (row) {
      return new (require('aps/Button'))({ label: _('Open webmail'), onClick: function () {
        var b = this;
        ops.openLogin(xhr, row.aps.id, 'login').then(function () { b.cancel(); }, function (err) {
          b.cancel();
          aps.apsc.displayMessage(_('Webmail could not be opened: ') + (err.message || err));
        });
      } });
    },
    onContext: function () {
      this.store.query = 'eq(context.aps.id,' + aps.context.vars.context.aps.id + ')';
      this.byId('grid').refresh();
      aps.apsc.hideLoading();
    },
  });
});
