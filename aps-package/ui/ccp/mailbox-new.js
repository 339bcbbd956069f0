// Customer panel (UX1): a new mailbox in this subscription's context for one of the account's
// service users.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/contexts', '../lib/i18n', '../lib/mailbox-form',
  '../lib/messages', '../lib/types'],
function (declare, View, ResourceStore, contexts, _, form, messages, types) {
  'use strict';

  function bound(name) {
    return contexts.list(aps.context.vars[name]);
  }

  return declare(View, {
    init: function () {
      var byId = this.byId.bind(this);
      return form.widgets(this.genId.bind(this), {
        // The chosen user's names and address fill the fields that are still empty.
        userChosen: function (userId) {
          var user = bound('users').filter(function (u) { return u.aps.id === userId; })[0];
          form.fill(byId, form.fromUser(user, form.read(byId, true)));
        },
        tierChosen: function () { form.showMobility(byId, bound('profiles'), false); },
      });
    },
    onContext: function () {
      var byId = this.byId.bind(this);
      form.fill(byId, { login: '', email: '', displayName: '', givenName: '', familyName: '', password: '' });
      byId('mbx_user').set('options', [{ value: '', label: _('Choose a user') }].concat(bound('users').map(function (u) {
        return { value: u.aps.id, label: u.displayName || u.login };
      })));
      byId('mbx_profile').set('options', form.profileOptions(bound('profiles')));
      byId('mbx_mobility').set('checked', false);
      form.showMobility(byId, bound('profiles'), false);
      byId('mbx_fields').set('title', _('Mailbox in __context__', { context: contexts.label(aps.context.vars.context) }));
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var input = form.read(this.byId.bind(this), true);
      if (messages.refused(form.validate(input, bound('profiles'), bound('users')))) return undefined;
      var ctx = aps.context.vars.context;
      // The panel names the subscription it shows (MSS); the body names it too.
      var subscription = aps.context.subscriptionId || contexts.subscriptionOf(ctx);
      aps.context.subscriptionId = subscription;
      var mailboxes = new ResourceStore({ target: '/aps/2/resources/' + ctx.aps.id + '/mailboxes', apsType: types.MAILBOX });
      return mailboxes.put(form.toResource(input, ctx, subscription)).then(function (saved) {
        if (!input.mobility) return undefined;
        var addOn = new ResourceStore({ target: '/aps/2/resources/' + saved.aps.id + '/mobility', apsType: types.MOBILITY });
        return addOn.put({ aps: { type: types.MOBILITY, subscription: subscription } });
      }).then(function () { aps.apsc.gotoView('mailboxes'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('mailboxes');
    },
  });
});
