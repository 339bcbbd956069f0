// Provider control panel: the sellable tiers (profiles), with create and edit.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/_'], function (declare, View, Store, _) {
  'use strict';
  return declare(View, {
    init: function () {
      this.store = new Store({ target: '/aps/2/resources', apsType: 'http://ox-connector.org/aps/profiles/1.0' });
      return ['aps/Grid', {
        id: this.genId('grid'), store: this.store,
        columns: [
          { field: 'title', name: _('Title'), renderCell: function (row) { return row.title; } },
          { field: 'accessCombination', name: _('OX rights'), renderCell: function (row) { return row.accessCombination || (row.moduleAccess || []).join(', '); } },
          { field: 'includesMobility', name: _('Mobility'), renderCell: function (row) { return row.includesMobility ? _('Yes') : _('No'); } },
        ],
        onRowClick: function (row) { aps.apsc.gotoView('profile-edit', row.aps.id); },
      }, [['aps/Toolbar', [['aps/ToolbarButton', { label: _('Add profile'), iconClass: 'fa-plus', onClick: function () { aps.apsc.gotoView('profile-edit'); } }]]]]];
    },
    onContext: function () { this.byId('grid').refresh(); aps.apsc.hideLoading(); },
  });
});
