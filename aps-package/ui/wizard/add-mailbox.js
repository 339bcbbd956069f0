// UX1 User Management, add-user wizard step: every user the wizard creates gets a mailbox with the
// chosen tier in the subscription the wizard chose (a tier with mobility gives ActiveSync). The
// wizard commits the mailboxes with the users; its Back and Cancel are the panel's own.
define(['dojo/_base/declare', 'aps/View', '../lib/contexts', '../lib/i18n', '../lib/mailbox-form', '../lib/messages',
  '../lib/types'],
function (declare, View, contexts, _, form, messages, types) {
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
        ['aps/Output', { id: this.genId('wiz_context'), label: _('Subscription') }],
        ['aps/CheckBox', { id: this.genId('wiz_mobility'), label: _('Mobility (ActiveSync)'), onChange: function () { showTiers(byId); } }],
        ['aps/Select', { id: this.genId('wiz_profile'), label: _('Tier'), options: [] }],
      ]]]];
    },
    onContext: function () {
      this.byId('wiz_context').set('value', contexts.label(aps.context.vars.context));
      showTiers(this.byId.bind(this));
      aps.apsc.hideLoading();
    },
    onNext: function () {
      var profileId = this.byId('wiz_profile').get('value');
      var ctx = aps.context.vars.context;
      var known = tiers(false).some(function (p) { return p.aps.id === profileId; });
      if (messages.refused(known ? {} : { profileId: _('Choose a tier') })) return undefined;
      var subscription = aps.context.subscriptionId || contexts.subscriptionOf(ctx);
      return aps.biz.getResourcesToBind().then(function (bind) {
        var users = bind.users || [];
        return aps.biz.requestUsageChange({
          subscriptionId: subscription,
          deltas: [{ apsType: types.MAILBOX, delta: users.length }],
          operations: users.map(function (u) { return provisionOf(u, ctx, profileId, subscription); }),
        });
      }).then(function () { aps.apsc.next(); }, messages.failed);
    },
  });
});
