using Microsoft.Extensions.DependencyInjection;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Processes;
using NodeAgent.Roles;
using NodeAgent.Roles.Lb.Configuration;
using NodeAgent.Roles.Lb.Haproxy;
using NodeAgent.Roles.Lb.Membership;
using NodeAgent.Status;

namespace NodeAgent.Tests.Roles.Lb.Membership;

public sealed class ApplierSelectionTests
{
    [Theory]
    [InlineData("", typeof(RuntimeApiApplier))]
    [InlineData("apply: runtime_api", typeof(RuntimeApiApplier))]
    [InlineData("apply: reload", typeof(ReloadApplier))]
    public async Task AddLbMembership_ChoosesTheApplierOfLbApply_Once(string apply, Type expected)
    {
        var config = AgentConfigReader.Read($"""
            version: 1
            role: lb
            cluster: c1
            node: {"{"}id: lb-1, instance_id: i-lb-1, address: 127.0.0.1, state_dir: /nonexistent/state{"}"}
            aws: {"{"}region: us-east-1, bucket: my-bucket{"}"}
            lb:
              http_bind: 127.0.0.1:8080
              allowed_cidrs: [127.0.0.0/8]
              {apply}
              backends:
                - app: shop
            """, "test", BuiltInRoles.Catalog().SectionReaders);
        var lb = config.Section<LbSection>();
        var services = new ServiceCollection().AddLogging().AddSingleton(config).AddSingleton(lb).AddAgentMetrics().AddProcesses();
        new RoleBuilder(services, config).AddHaproxyBalancer(lb).AddLbMembership(lb);
        await using var provider = services.BuildServiceProvider();

        var applier = provider.GetRequiredService<IMembershipApplier>();

        Assert.IsType(expected, applier);
        Assert.Single(services, d => d.ServiceType == typeof(IMembershipApplier));
        Assert.Same(applier, provider.GetRequiredService<IMembershipApplier>());
    }
}
