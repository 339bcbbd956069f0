// Customer panel (UX1): the chosen subscription's OX context at a glance, and "Open OX as administrator".
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', '../lib/contexts', '../lib/format', '../lib/messages'],
function (declare, View, xhr, contexts, format, messages) {
  'use strict';

  function show(view, ctx) {
    var m = format.contextSummary(ctx);
    view.byId('ov_ctx').set('value', m.contextId);
    view.byId('ov_state').set('value', m.state);
    view.byId('ov_disk').set('value', m.disk);
    view.byId('ov_mailboxes').set('value', m.mailboxes);
    view.byId('ov_mobility').set('value', m.mobility);
    view.byId('ov_open').set('disabled', !m.canOpenOx);
  }

  function current() {
    return contexts.current(contexts.list(aps.context.vars.contexts));
  }

  return declare(View, {
    init: function () {
      var view = this;
      return ['aps/Panel', { id: this.genId('ov_panel') }, [
        ['aps/Select', { id: this.genId('ov_context'), label: _('Subscription'), options: [], onChange: function (id) {
          show(view, contexts.choose(contexts.list(aps.context.vars.contexts), id));
        } }],
        ['aps/FieldSet', { id: this.genId('ov_fields'), title: _('OX App Suite') }, [
          ['aps/Output', { id: this.genId('ov_ctx'), label: _('Context') }],
          ['aps/Output', { id: this.genId('ov_state'), label: _('Status') }],
          ['aps/Output', { id: this.genId('ov_disk'), label: _('Disk space') }],
          ['aps/Output', { id: this.genId('ov_mailboxes'), label: _('Mailboxes') }],
          ['aps/Output', { id: this.genId('ov_mobility'), label: _('Mobility add-ons') }],
        ]],
        ['aps/Button', { id: this.genId('ov_open'), label: _('Open OX as administrator'), onClick: messages.loginClick(xhr, function () { return current().aps.id; }, 'adminLogin', _('OX could not be opened: ')) }],
      ]];
    },
    onContext: function () {
      show(this, contexts.fillChoice(this.byId('ov_context'), contexts.list(aps.context.vars.contexts)));
      aps.apsc.hideLoading();
    },
  });
});
