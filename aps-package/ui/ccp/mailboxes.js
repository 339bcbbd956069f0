// Customer panel (UX1): the subscription's mailboxes; add one, open one to edit it.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/format', '../lib/i18n', '../lib/types'],
function (declare, View, ResourceStore, format, _, types) {
  'use strict';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('mbx_list') }, [
        ['aps/Grid', {
          id: this.genId('mbx_grid'), apsResourceViewId: 'mailbox-edit',
          columns: [
            { field: 'email', name: _('E-mail address'), type: 'resourceName', filter: true },
            { field: 'displayName', name: _('Name') },
            { field: 'mobilityEnabled', name: _('Mobility'), renderCell: function (row, value) { return format.yesNo(value); } },
            { field: 'aps.status', name: _('Status'), renderCell: function (row, value) { return format.stateLabel(value); } },
          ],
        }, [['aps/Toolbar', { id: this.genId('mbx_toolbar') }, [
          ['aps/ToolbarButton', { id: this.genId('mbx_add'), iconClass: 'fa-plus', label: _('Add mailbox'), onClick: function () {
            aps.apsc.gotoView('mailbox-new');
          } }],
        ]]]],
      ]];
    },
    onContext: function () {
      // The context's own relation collection: this subscription's mailboxes only.
      var ctx = aps.context.vars.context;
      this.byId('mbx_grid').set('store', new ResourceStore({ target: '/aps/2/resources/' + ctx.aps.id + '/mailboxes', apsType: types.MAILBOX }));
      aps.apsc.hideLoading();
    },
  });
});
