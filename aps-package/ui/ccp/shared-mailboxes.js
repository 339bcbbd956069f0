// Customer panel (UX1): Shared mailboxes of this subscription (info@ and the like): add one, open one to edit it and its members.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/i18n', '../lib/types'],
function (declare, View, ResourceStore, _, types) {
  'use strict';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('shm_list') }, [
        ['aps/Grid', {
          id: this.genId('shm_grid'), apsResourceViewId: 'shared-edit',
          columns: [
            { field: 'address', name: _('Address'), type: 'resourceName', filter: true },
            { field: 'displayName', name: _('Display name') },
          ],
        }, [['aps/Toolbar', { id: this.genId('shm_toolbar') }, [
          ['aps/ToolbarButton', { id: this.genId('shm_add'), iconClass: 'fa-plus', label: _('Add shared mailbox'), onClick: function () {
            aps.apsc.gotoView('shared-new');
          } }],
        ]]]],
      ]];
    },
    onContext: function () {
      var ctx = aps.context.vars.context;
      var target = '/aps/2/resources/' + ctx.aps.id + '/sharedMailboxes';
      this.byId('shm_grid').set('store', new ResourceStore({ target: target, apsType: types.SHARED_MAILBOX }));
      aps.apsc.hideLoading();
    },
  });
});
