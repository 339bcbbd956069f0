// Customer panel (UX1): a new room or piece of equipment, in this subscription's context.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', '../lib/child-form', '../lib/contexts', '../lib/messages'],
function (declare, View, ResourceStore, form, contexts, messages) {
  'use strict';
  var KIND = 'resources';

  return declare(View, {
    init: function () {
      return ['aps/Panel', { id: this.genId('res_new') }, [form.widgets(this.genId.bind(this), KIND, true)]];
    },
    onContext: function () {
      form.fill(this.byId.bind(this), KIND, undefined);
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var input = form.read(this.byId.bind(this), KIND);
      if (messages.refused(form.validate(KIND, input))) return undefined;
      var ctx = aps.context.vars.context;
      // The panel names the subscription it shows (MSS); the body names it too.
      var subscription = aps.context.subscriptionId || contexts.subscriptionOf(ctx);
      aps.context.subscriptionId = subscription;
      var store = new ResourceStore({ target: '/aps/2/resources/' + ctx.aps.id + '/resources', apsType: form.kind(KIND).type });
      return store.put(form.toResource(KIND, input, ctx, subscription)).then(function (saved) {
        aps.apsc.gotoView('resources');
      }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('resources');
    },
  });
});
