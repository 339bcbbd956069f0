// Customer panel (UX1): Rooms and equipment of this subscription: add one, open one to edit it.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/i18n', '../lib/types'],
function (declare, View, ResourceStore, _, types) {
  'use strict';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('res_list') }, [
        ['aps/Grid', {
          id: this.genId('res_grid'), apsResourceViewId: 'resource-edit',
          columns: [
            { field: 'name', name: _('Resource name'), type: 'resourceName', filter: true },
            { field: 'displayName', name: _('Display name') },
          ],
        }, [['aps/Toolbar', { id: this.genId('res_toolbar') }, [
          ['aps/ToolbarButton', { id: this.genId('res_add'), iconClass: 'fa-plus', label: _('Add resource'), onClick: function () {
            aps.apsc.gotoView('resource-new');
          } }],
        ]]]],
      ]];
    },
    onContext: function () {
      var ctx = aps.context.vars.context;
      var target = '/aps/2/resources/' + ctx.aps.id + '/resources';
      this.byId('res_grid').set('store', new ResourceStore({ target: target, apsType: types.RESOURCE }));
      aps.apsc.hideLoading();
    },
  });
});
