// Customer panel (UX1): Groups of this subscription: add one, open one to edit it and its members.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/i18n', '../lib/types'],
function (declare, View, ResourceStore, _, types) {
  'use strict';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('grp_list') }, [
        ['aps/Grid', {
          id: this.genId('grp_grid'), apsResourceViewId: 'group-edit',
          columns: [
            { field: 'name', name: _('Group name'), type: 'resourceName', filter: true },
            { field: 'displayName', name: _('Display name') },
          ],
        }, [['aps/Toolbar', { id: this.genId('grp_toolbar') }, [
          ['aps/ToolbarButton', { id: this.genId('grp_add'), iconClass: 'fa-plus', label: _('Add group'), onClick: function () {
            aps.apsc.gotoView('group-new');
          } }],
        ]]]],
      ]];
    },
    onContext: function () {
      var ctx = aps.context.vars.context;
      var target = '/aps/2/resources/' + ctx.aps.id + '/groups';
      this.byId('grp_grid').set('store', new ResourceStore({ target: target, apsType: types.GROUP }));
      aps.apsc.hideLoading();
    },
  });
});
