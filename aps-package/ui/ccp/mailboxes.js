// Customer panel (UX1): the chosen subscription's mailboxes; add, edit, open webmail.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/xhr', '../lib/contexts', '../lib/format', '../lib/messages',
  '../lib/types'],
function (declare, View, ResourceStore, xhr, contexts, format, messages, types) {
  'use strict';

  /** Only the context's own mailboxes: its relation collection, not every mailbox of the account. */
  function storeOf(ctx) {
    return new ResourceStore({ target: '/aps/2/resources/' + ctx.aps.id + '/mailboxes', apsType: types.MAILBOX });
  }

  function showContext(view, ctx) {
    view.byId('mbx_grid').set('store', storeOf(ctx));
  }

  return declare(View, {
    init: function () {
      var view = this;
      return ['aps/Panel', { id: this.genId('mbx_list') }, [
        ['aps/Select', { id: this.genId('mbx_context'), label: _('Subscription'), options: [], onChange: function (id) {
          showContext(view, contexts.choose(contexts.list(aps.context.vars.contexts), id));
        } }],
        ['aps/Grid', {
          id: this.genId('mbx_grid'), apsResourceViewId: 'mailbox-edit', selectionMode: 'single',
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
          ['aps/ToolbarButton', { id: this.genId('mbx_open'), iconClass: 'fa-external-link', label: _('Open webmail'), requireItems: true, onClick: messages.loginClick(xhr, function () { return view.byId('mbx_grid').get('selectionArray')[0]; }, 'login', _('Webmail could not be opened: ')) }],
        ]]]],
      ]];
    },
    onContext: function () {
      showContext(this, contexts.fillChoice(this.byId('mbx_context'), contexts.list(aps.context.vars.contexts)));
      aps.apsc.hideLoading();
    },
  });
});
