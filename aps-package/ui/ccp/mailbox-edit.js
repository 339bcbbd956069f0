// Customer panel (UX1): one mailbox: names, address, tier, mobility add-on, open webmail.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/xhr', '../lib/contexts', '../lib/mailbox-form',
  '../lib/messages', '../lib/types'],
function (declare, View, ResourceStore, xhr, contexts, form, messages, types) {
  'use strict';

  /** Adds or removes the mailbox's mobility add-on as the check box says. */
  function saveMobility(mailbox, wanted) {
    var has = form.linkId(mailbox.mobility);
    switch (form.mobilityChange(wanted, Boolean(has))) {
      case 1: {
        var subscription = mailbox.aps.subscription;
        aps.context.subscriptionId = subscription;
        var addOn = new ResourceStore({ target: '/aps/2/resources/' + mailbox.aps.id + '/mobility', apsType: types.MOBILITY });
        return addOn.put({ aps: { type: types.MOBILITY, subscription: subscription } });
      }
      case -1: return new ResourceStore({ target: '/aps/2/resources' }).remove(has);
      default: return undefined;
    }
  }

  return declare(View, {
    init: function () {
      var tree = form.widgets(this.genId.bind(this));
      tree[2].push(['aps/Button', { id: this.genId('mbx_webmail'), label: _('Open webmail'), onClick: messages.loginClick(xhr, function () { return aps.context.vars.mailbox.aps.id; }, 'login', _('Webmail could not be opened: ')) }]);
      return tree;
    },
    onContext: function () {
      var mailbox = aps.context.vars.mailbox;
      var byId = this.byId.bind(this);
      form.fill(byId, { login: mailbox.login, email: mailbox.email, displayName: mailbox.displayName, givenName: mailbox.givenName, familyName: mailbox.familyName });
      byId('mbx_profile').set('options', form.profileOptions(contexts.list(aps.context.vars.profiles)));
      byId('mbx_profile').set('value', form.linkId(mailbox.profile) || '');
      byId('mbx_mobility').set('checked', Boolean(form.linkId(mailbox.mobility)));
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var mailbox = aps.context.vars.mailbox;
      var input = form.read(this.byId.bind(this), false);
      if (messages.refused(form.validate(input, contexts.list(aps.context.vars.profiles)))) return undefined;
      var body = form.toResource(input);
      body.aps.id = mailbox.aps.id;
      return new ResourceStore({ target: '/aps/2/resources', apsType: types.MAILBOX }).put(body)
        .then(function () { return saveMobility(mailbox, input.mobility); })
        .then(function () { aps.apsc.gotoView('mailboxes'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('mailboxes');
    },
  });
});
