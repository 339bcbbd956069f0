// Classic provider CP page: the tiers (profiles) a plan can sell; add, edit, delete.
define(['aps/load', 'aps/ResourceStore', 'dijit/registry', '../lib/format', '../lib/messages', '../lib/operations', '../lib/types'],
function (load, ResourceStore, registry, format, messages, ops, types) {
  'use strict';

  function rights(row) {
    return row.accessCombination || (row.moduleAccess || []).join(', ');
  }

  function remove(store) {
    return function () {
      var button = this;
      var chosen = registry.byId('tier_grid').get('selectionArray');
      store.remove(chosen[0]).then(function () {
        button.cancel();
        registry.byId('tier_grid').refresh();
      }, function (err) {
        button.cancel();
        messages.show(ops.errorText(err));
      });
    };
  }

  return function start() {
    var app = aps.context.vars.app;
    var store = new ResourceStore({ target: '/aps/2/resources/' + app.aps.id + '/profiles', apsType: types.PROFILE });
    return load(['aps/PageContainer', { id: 'page' }, [
      ['aps/Grid', {
        id: 'tier_grid', store: store, apsResourceViewId: 'tier-edit', selectionMode: 'single',
        columns: [
          { field: 'title', name: _('Title'), type: 'resourceName' },
          { field: 'accessCombination', name: _('OX rights'), renderCell: function (row) { return rights(row); } },
          { field: 'includesMobility', name: _('Mobility'), renderCell: function (row, value) { return format.yesNo(value); } },
        ],
      }, [['aps/Toolbar', { id: 'tier_toolbar' }, [
        ['aps/ToolbarButton', { id: 'tier_add', iconClass: 'fa-plus', label: _('Add tier'), onClick: function () { aps.apsc.gotoView('tier-new'); } }],
        ['aps/ToolbarButton', { id: 'tier_delete', iconClass: 'fa-trash', label: _('Delete'), requireItems: true, onClick: remove(store) }],
      ]]]],
    ]]);
  };
});
