// UX1 User Management, add-user wizard step: every user the wizard creates gets a mailbox with the
// chosen tier (a tier with mobility gives ActiveSync). The wizard commits the mailboxes with the users.
define(['dojo/_base/declare', 'aps/View', '../lib/contexts', '../lib/mailbox-form', '../lib/messages', '../lib/types'],
function (declare, View, contexts, form, messages, types) {
  'use strict';

  function tiers(mobility) {
    return contexts.list(aps.context.vars.profiles).filter(function (p) { return !mobility || p.includesMobility; });
  }

  function showTiers(byId) {
    var list = tiers(Boolean(byId('wiz_mobility').get('checked')));
    byId('wiz_profile').set('options', form.profileOptions(list));
    if (list.length) byId('wiz_profile').set('value', list[0].aps.id);
  }

  /** One mailbox per new user, named after the user. */
  function provisionOf(user, ctx, profileId, subscription) {
    var address = user.email || user.login;
    var mailbox = form.toResource({
      userId: user.aps.id, login: user.login || address, email: address, displayName: user.displayName || address,
      givenName: user.givenName, familyName: user.familyName, profileId: profileId,
    }, ctx, subscription);
    return { provision: mailbox };
  }

  return declare(View, {
    init: function () {
      var byId = this.byId.bind(this);
      return ['aps/Panel', { id: this.genId('wiz_panel') }, [['aps/FieldSet', { id: this.genId('wiz_fields'), title: _('OX App Suite mailbox') }, [
        ['aps/Select', { id: this.genId('wiz_context'), label: _('Subscription'), options: [], onChange: function (id) {
          contexts.choose(contexts.list(aps.context.vars.contexts), id);
        } }],
        ['aps/CheckBox', { id: this.genId('wiz_mobility'), label: _('Mobility (ActiveSync)'), onChange: function () { showTiers(byId); } }],
        ['aps/Select', { id: this.genId('wiz_profile'), label: _('Tier'), options: [] }],
      ]]]];
    },
    onContext: function () {
      contexts.fillChoice(this.byId('wiz_context'), contexts.list(aps.context.vars.contexts));
      showTiers(this.byId.bind(this));
      aps.apsc.hideLoading();
    },
    onNext: function () {
      var profileId = this.byId('wiz_profile').get('value');
      var ctx = contexts.current(contexts.list(aps.context.vars.contexts));
      var known = ctx && tiers(false).some(function (p) { return p.aps.id === profileId; });
      if (messages.refused(known ? {} : { profileId: _('Choose a tier') })) return undefined;
      var subscription = contexts.subscriptionOf(ctx);
      return aps.biz.getResourcesToBind().then(function (bind) {
        var users = bind.users || [];
        return aps.biz.requestUsageChange({
          deltas: [{ apsType: types.MAILBOX, delta: users.length }],
          operations: users.map(function (u) { return provisionOf(u, ctx, profileId, subscription); }),
        });
      }).then(function () { aps.apsc.next(); }, messages.failed);
    },
    // Back and cancel leave the wizard to the panel; what this step said goes with it.
    onPrev: function () {
      aps.apsc.removeAllMessages();
    },
    onCancel: function () {
      aps.apsc.removeAllMessages();
    },
  });
});
