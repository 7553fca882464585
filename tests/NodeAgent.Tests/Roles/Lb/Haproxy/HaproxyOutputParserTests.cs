using NodeAgent.Roles.Lb.Haproxy;

namespace NodeAgent.Tests.Roles.Lb.Haproxy;

public sealed class HaproxyOutputParserTests
{
    private const string ServersState = """
        1
        # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
        3 be_shop 1 web-1 127.0.9.1 2 0 100 100 21 15 3 4 6 0 0 1 - 18081 - 0 0 - - 0
        3 be_shop 2 web-2 127.0.9.2 0 8 100 100 3 7 2 0 6 0 0 1 - 18082 - 0 0 - - 0
        4 other 1 x 127.0.9.1 0 1 1 1 12 1 0 0 0 0 0 0 - 18081 - 0 0 - - 0

        """;

    [Fact]
    public void ServersState_ReadsEveryServerByColumnName()
    {
        var servers = HaproxyOutputParser.ServersState(ServersState);

        Assert.Equal(3, servers.Count);
        var up = servers[0];
        Assert.Equal(("be_shop", "shop", "web-1", 1, "127.0.9.1", 18081), (up.Backend, up.App, up.Name, up.Id, up.Address, up.Port));
        Assert.Equal("up", up.Describe());
        Assert.True(servers[1].IsDown && servers[1].Draining);
        Assert.Equal("drain", servers[1].Describe());
        Assert.True(servers[2].InMaintenance);
        Assert.Null(servers[2].App);
    }

    [Fact]
    public void ServersState_OfAnUnknownFormatVersion_IsAnError()
        => Assert.Throws<FormatException>(() => HaproxyOutputParser.ServersState("2\n# be_id\n"));

    [Fact]
    public void CurrentSessions_ReadsScurPerServer()
    {
        const string csv = """
            # pxname,svname,qcur,qmax,scur,smax,slim
            be_shop,web-1,0,0,3,10,
            be_shop,web-2,0,0,0,2,
            be_shop,BACKEND,0,0,3,10,

            """;

        var sessions = HaproxyOutputParser.CurrentSessions(csv);

        Assert.Equal(new Dictionary<string, int> { ["be_shop/web-1"] = 3, ["be_shop/web-2"] = 0 }, sessions);
    }

    [Fact]
    public void ShowProc_ReadsTheMasterAndOnlyTheCurrentWorkers()
    {
        const string proc = """
            #<PID>          <type>          <reloads>       <uptime>        <version>
            16025           master          5 [failed: 1]   0d00h00m39s     2.6.12-1+deb12u4
            # workers
            16574           worker          0               0d00h00m01s     2.6.12-1+deb12u4
            # old workers
            16028           worker          1               0d00h00m40s     2.6.12-1+deb12u4
            # programs

            """;

        var master = HaproxyOutputParser.ShowProc(proc);

        Assert.Equal(new MasterState(16025, 5, 1, [16574]).MasterPid, master.MasterPid);
        Assert.Equal((5, 1), (master.Reloads, master.FailedReloads));
        Assert.Equal([16574], master.Workers);
    }
}
