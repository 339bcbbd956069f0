// Customer panel (UX1): one group: its display name, and its members chosen from the
// subscription's mailboxes (each added or removed at once).
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/xhr', '../lib/child-form', '../lib/i18n',
  '../lib/membership', '../lib/messages', '../lib/types'],
function (declare, View, ResourceStore, xhr, form, _, membership, messages, types) {
  'use strict';
  var KIND = 'groups';

  function members() {
    var ctx = aps.context.vars.context;
    return {
      resourceId: aps.context.vars.group.aps.id, relation: 'members',
      candidates: '/aps/2/resources/' + ctx.aps.id + '/mailboxes', apsType: types.MAILBOX,
    };
  }

  return declare(View, {
    init: function () {
      var view = this;
      var grid = function () { return view.byId('grp_members'); };
      return ['aps/Panel', { id: this.genId('grp_edit') }, [
        form.widgets(this.genId.bind(this), KIND, false),
        ['aps/Grid', {
          id: this.genId('grp_members'), apsResourceViewId: 'mailbox-edit', selectionMode: 'multiple',
          columns: [
            { field: 'email', name: _('E-mail address'), type: 'resourceName' },
            membership.column(function () { return members().resourceId; }, 'members'),
          ],
        }, [['aps/Toolbar', { id: this.genId('grp_tools') }, [
          ['aps/ToolbarButton', { id: this.genId('grp_in'), iconClass: 'fa-plus', label: _('Add to group'), requireItems: true, onClick: function () { membership.changeClick(xhr, grid(), members, true).call(this); } }],
          ['aps/ToolbarButton', { id: this.genId('grp_out'), iconClass: 'fa-minus', label: _('Remove from group'), requireItems: true, onClick: function () { membership.changeClick(xhr, grid(), members, false).call(this); } }],
        ]]]],
      ]];
    },
    onContext: function () {
      form.fill(this.byId.bind(this), KIND, aps.context.vars.group);
      var m = members();
      return membership.show(xhr, this.byId('grp_members'), m.resourceId, m.relation, m.candidates, m.apsType)
        .then(function () { aps.apsc.hideLoading(); }, function (err) { messages.failed(err); aps.apsc.hideLoading(); });
    },
    onSubmit: function () {
      var input = form.read(this.byId.bind(this), KIND);
      if (messages.refused(form.validate(KIND, input))) return undefined;
      var body = form.toResource(KIND, input);
      body.aps.id = aps.context.vars.group.aps.id;
      return new ResourceStore({ target: '/aps/2/resources', apsType: types.GROUP }).put(body)
        .then(function () { aps.apsc.gotoView('groups'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('groups');
    },
  });
});
