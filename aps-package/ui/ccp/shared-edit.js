// Customer panel (UX1): one shared mailbox: its display name, and who reads it: mailboxes and
// groups of the subscription (each added or removed at once; a group's members follow it).
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/xhr', '../lib/child-form', '../lib/i18n',
  '../lib/membership', '../lib/messages', '../lib/types'],
function (declare, View, ResourceStore, xhr, form, _, membership, messages, types) {
  'use strict';
  var KIND = 'shared-mailboxes';

  function target(relation) {
    return function () {
      var ctx = aps.context.vars.context;
      var groups = relation === 'groups';
      return {
        resourceId: aps.context.vars.shared.aps.id, relation: relation,
        candidates: '/aps/2/resources/' + ctx.aps.id + (groups ? '/groups' : '/mailboxes'),
        apsType: groups ? types.GROUP : types.MAILBOX,
      };
    };
  }

  function show(view, relation, gridId) {
    var t = target(relation)();
    return membership.show(xhr, view.byId(gridId), t.resourceId, t.relation, t.candidates, t.apsType);
  }

  return declare(View, {
    init: function () {
      var view = this;
      var grid = function (id) { return view.byId(id); };
      var id = function () { return aps.context.vars.shared.aps.id; };
      return ['aps/Panel', { id: this.genId('shm_edit') }, [
        form.widgets(this.genId.bind(this), KIND, false),
        ['aps/Grid', {
          id: this.genId('shm_members'), apsResourceViewId: 'mailbox-edit', selectionMode: 'multiple',
          columns: [{ field: 'email', name: _('E-mail address'), type: 'resourceName' }, membership.column(id, 'members')],
        }, [['aps/Toolbar', { id: this.genId('shm_mtools') }, [
          ['aps/ToolbarButton', { id: this.genId('shm_min'), iconClass: 'fa-plus', label: _('Add mailboxes'), requireItems: true, onClick: function () { membership.changeClick(xhr, grid('shm_members'), target('members'), true).call(this); } }],
          ['aps/ToolbarButton', { id: this.genId('shm_mout'), iconClass: 'fa-minus', label: _('Remove mailboxes'), requireItems: true, onClick: function () { membership.changeClick(xhr, grid('shm_members'), target('members'), false).call(this); } }],
        ]]]],
        ['aps/Grid', {
          id: this.genId('shm_groups'), apsResourceViewId: 'group-edit', selectionMode: 'multiple',
          columns: [{ field: 'name', name: _('Group name'), type: 'resourceName' }, membership.column(id, 'groups')],
        }, [['aps/Toolbar', { id: this.genId('shm_gtools') }, [
          ['aps/ToolbarButton', { id: this.genId('shm_gin'), iconClass: 'fa-plus', label: _('Add groups'), requireItems: true, onClick: function () { membership.changeClick(xhr, grid('shm_groups'), target('groups'), true).call(this); } }],
          ['aps/ToolbarButton', { id: this.genId('shm_gout'), iconClass: 'fa-minus', label: _('Remove groups'), requireItems: true, onClick: function () { membership.changeClick(xhr, grid('shm_groups'), target('groups'), false).call(this); } }],
        ]]]],
      ]];
    },
    onContext: function () {
      var view = this;
      form.fill(this.byId.bind(this), KIND, aps.context.vars.shared);
      return Promise.all([show(view, 'members', 'shm_members'), show(view, 'groups', 'shm_groups')])
        .then(function () { aps.apsc.hideLoading(); }, function (err) { messages.failed(err); aps.apsc.hideLoading(); });
    },
    onSubmit: function () {
      var input = form.read(this.byId.bind(this), KIND);
      if (messages.refused(form.validate(KIND, input))) return undefined;
      var body = form.toResource(KIND, input);
      body.aps.id = aps.context.vars.shared.aps.id;
      return new ResourceStore({ target: '/aps/2/resources', apsType: types.SHARED_MAILBOX }).put(body)
        .then(function () { aps.apsc.gotoView('shared-mailboxes'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('shared-mailboxes');
    },
  });
});
